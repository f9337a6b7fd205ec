/**
 * `naaccord start --detach`: the supervisor runs as a detached child (its own session, setsid) whose output goes
 * to `.naaccord/logs/supervisor.log`. The parent waits on an IPC channel for "ready" (or why not), then lets go:
 * the channel is closed and the parent exits, the supervisor keeps running.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {fchmodSync, mkdirSync, openSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import chalk from 'chalk'
import {configProblemsHeadline} from '../config/errors.js'
import type {Plan} from '../config/plan.js'
import {timeline} from './output.js'
import type {SessionStatus} from './protocol.js'
import type {Session, SessionStartError} from './session.js'
import {clearStaleSession} from './stale.js'
import type {SuperviseArgs} from './supervise-main.js'

export type SupervisorMessage =
  | {type: 'listening'; socketPath: string; status: SessionStatus}
  | {type: 'ready'; status: SessionStatus}
  | {type: 'failed'; problems: string[]; status?: SessionStatus; configIssues?: number}

export interface DetachedSupervisor {
  child: ChildProcess
  /** The session's folder (lock, state, socket, logs). */
  stateDir: string
  /** Resolves with the first of listening (when asked) / ready / failed, or failed if the child exits first. */
  next(): Promise<SupervisorMessage>
  /** Closes the channel and unreferences the child so this process can exit while it runs on. */
  release(): void
}

/**
 * Spawns the detached supervisor. With `plan` (already resolved by the caller), the supervisor gets it over the
 * IPC channel instead of loading the config again; it holds the API key, so it never goes on a command line.
 */
export function spawnSupervisor(stateDir: string, args: SuperviseArgs, plan?: Plan): DetachedSupervisor {
  const logs = path.join(stateDir, 'logs')
  mkdirSync(logs, {recursive: true})
  // Owner only whatever the umask, an existing file too: it holds what the supervisor printed.
  const out = openSync(path.join(logs, 'supervisor.log'), 'a', 0o600)
  fchmodSync(out, 0o600)
  // The light entry beside this file (dist/…/supervise-main.js, or the .ts one when running from sources).
  const here = fileURLToPath(import.meta.url)
  const ext = path.extname(here)
  const entry = path.join(path.dirname(here), `supervise-main${ext}`)
  const nodeArgs = ext === '.ts' ? ['--import', 'tsx', '--no-warnings'] : []
  const passed: SuperviseArgs = plan ? {configFile: args.configFile, planOverIpc: true} : args
  const child = spawn(process.execPath, [...nodeArgs, entry, JSON.stringify(passed)], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: {...process.env, NO_COLOR: '1'},
  })
  const queue: SupervisorMessage[] = []
  let waiting: ((m: SupervisorMessage) => void) | undefined
  const push = (m: SupervisorMessage) => {
    if (waiting) {
      const w = waiting
      waiting = undefined
      w(m)
    } else queue.push(m)
  }
  child.on('message', (m) => push(m as SupervisorMessage))
  child.once('exit', (code, signal) => {
    push({
      type: 'failed',
      problems: [
        `the supervisor exited (${code === null ? signal : `code ${code}`}) before the session was ready; see ${path.join(logs, 'supervisor.log')}`,
      ],
    })
  })
  child.once('error', (error) => push({type: 'failed', problems: [`cannot start the supervisor: ${error.message}`]}))
  if (plan) child.send({type: 'plan', plan})
  return {
    child,
    stateDir,
    next: () =>
      new Promise((resolve) => {
        const m = queue.shift()
        if (m) resolve(m)
        else waiting = resolve
      }),
    release: () => {
      child.removeAllListeners('exit')
      if (child.connected) child.disconnect()
      child.unref()
    },
  }
}

/** The child's side, for a config that does not load: its located problems, and how many. */
export function reportConfigError(problems: string[], issues: number): void {
  if (process.send && process.connected) process.send({type: 'failed', problems, configIssues: issues})
}

/** The child's side: report to the parent over IPC (when there is one) and stop sending once it lets go. */
export function reportToParent(session: Session | SessionStartError): void {
  const send = (m: SupervisorMessage) => {
    if (process.send && process.connected) process.send(m)
  }
  if (!('socketPath' in session)) {
    send({type: 'failed', problems: session.problems})
    return
  }
  send({type: 'listening', socketPath: session.socketPath, status: session.status()})
  session.ready.then(
    () => send({type: 'ready', status: session.status()}),
    (error: Error) => send({type: 'failed', problems: [error.message], status: session.status()}),
  )
  // Once the parent is gone, the channel must not keep this process alive.
  process.channel?.unref()
  process.on('disconnect', () => undefined)
}

/** Why `naaccord start` could not start, on stderr: one line, or a headline and the problems under it. */
export function writeStartProblems(problems: string[]): void {
  process.stderr.write(`✗ naaccord start: ${problems.length === 1 ? problems[0] : 'cannot start:'}\n`)
  if (problems.length > 1) for (const p of problems) process.stderr.write(`  ${p}\n`)
}

/**
 * The parent's side once the supervisor is spawned (no dashboard): waits for ready or failed, prints the
 * start-up timeline (or JSON lines) or the problems, and lets the supervisor go. A supervisor that failed stops
 * what it launched; this waits for it to exit, so nothing half-started is left. Returns the exit code.
 * `first` is a message the caller has already read from the supervisor, if any.
 */
export async function finishDetached(
  sup: DetachedSupervisor,
  json: boolean,
  began: number,
  first?: SupervisorMessage,
): Promise<number> {
  const out = (text: string) => process.stdout.write(text)
  let message = first ?? (await sup.next())
  while (message.type === 'listening') message = await sup.next()
  if (message.type === 'failed') {
    const {child} = sup
    // A child killed by a signal has exitCode null too: only one with neither has not exited yet.
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise((r) => child.once('exit', r))
      try {
        process.kill(child.pid, 'SIGTERM')
      } catch {
        // Gone between the check and the signal: its 'exit' is on its way.
      }
      await exited
    }
    sup.release()
    // A supervisor that died (kill -9, a crash) did not stop what it launched: its orphans are stopped here and
    // its lock, state and socket removed, so nothing half-started is left and the next start is clean.
    for (const line of await clearStaleSession(sup.stateDir)) out(`naaccord: ${line}\n`)
    const problems = message.problems
    if (message.configIssues) {
      // As every command reports a config that does not load (src/cli/base.ts).
      process.stderr.write(`${chalk.red(configProblemsHeadline(message.configIssues))}\n`)
      for (const line of problems) process.stderr.write(`  ${line}\n`)
    } else writeStartProblems(problems)
    return 1
  }
  sup.release()
  const status = message.status
  if (json) {
    for (const u of status.units)
      out(`${JSON.stringify({event: 'ready', unit: u.name, pid: u.pid, port: u.port, readyMs: u.readyMs})}\n`)
    out(
      `${JSON.stringify({event: 'up', supervisorPid: status.supervisorPid, socketPath: status.socketPath, ms: Date.now() - began})}\n`,
    )
    return 0
  }
  out(timeline(status.units, status.startedAt))
  out(
    `naaccord: session running in the background (supervisor pid ${status.supervisorPid}); \`naaccord stop\` stops it\n`,
  )
  return 0
}
