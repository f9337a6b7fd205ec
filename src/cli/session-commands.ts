/**
 * The bodies of `naaccord stop` and `naaccord status`, shared by their oclif commands and bin/run.js's fast path
 * (fast.ts), which runs them without loading oclif or the config's schema: a command that talks to a running
 * session should start like a small tool. Each returns its exit code; bad input throws UsageError before
 * anything is done (the fast path then hands the command line to oclif, which reports it).
 */
import chalk from 'chalk'
import {findRunningSession, type StopResult, stopSession} from '../session/client.js'
import type {UnitStatus} from '../session/protocol.js'
import {formatDuration, parseDuration} from '../util/duration.js'

export class UsageError extends Error {
  constructor(
    message: string,
    readonly exit = 2,
  ) {
    super(message)
  }
}

/** What these commands need to know of the project: its session folder and config file. */
export interface SessionTarget {
  stateDir: string
  configFile: string
  /** Stop also looks for this project's leftover containers (src/deps) when it has dependencies. */
  project?: string
  hasDependencies: boolean
  /** The servers' ports: stop reports any still held by a process of this session. */
  ports?: number[]
}

const log = (line: string) => process.stdout.write(`${line}\n`)

/** --timeout of stop, in ms; UsageError when it is not a duration. */
export function stopTimeout(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined
  const ms = parseDuration(flag)
  if (ms === undefined)
    throw new UsageError(`--timeout: expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(flag)}`)
  return ms
}

export async function runStop(target: SessionTarget, flags: {timeout?: string; json?: boolean}): Promise<number> {
  const timeoutMs = stopTimeout(flags.timeout)
  const result: StopResult = await stopSession(target.stateDir, {timeoutMs, ports: target.ports})
  // Docker dependencies (src/deps): containers of this project still running without a session (its supervisor
  // was killed) are stopped too, found by label. No engine reachable: nothing of ours can be running there.
  if (target.hasDependencies && target.project) {
    const {stopLeftoverContainers} = await import('../deps/project.js')
    const names = await stopLeftoverContainers(target.project, timeoutMs)
    if (names.length > 0) {
      result.stopped = true
      result.notices.push(`stopped container${names.length > 1 ? 's' : ''} ${names.join(', ')}`)
    }
  }
  if (flags.json) log(JSON.stringify(result))
  else {
    for (const n of result.notices) log(`naaccord: ${n}`)
    for (const p of result.problems) process.stderr.write(`✗ left behind: ${p}\n`)
    if (!result.stopped && result.problems.length === 0) log(`naaccord: no session is running for ${target.configFile}`)
    else if (result.problems.length === 0) log(`naaccord: stopped in ${result.ms}ms; nothing left running`)
  }
  return result.problems.length > 0 ? 1 : 0
}

const STATE_COLOUR: Record<string, (s: string) => string> = {
  ready: chalk.green,
  starting: chalk.yellow,
  pending: chalk.yellow,
  restarting: chalk.yellow,
  unhealthy: chalk.red,
  failed: chalk.red,
  exited: chalk.red,
}

export async function runStatus(target: SessionTarget, flags: {json?: boolean}): Promise<number> {
  const notices: string[] = []
  const found = await findRunningSession(target.stateDir, (n) => notices.push(n))
  if (flags.json) {
    log(JSON.stringify(found?.status ? {running: true, ...found.status, notices} : {running: false, notices}, null, 2))
    return 0
  }
  for (const n of notices) log(`naaccord: ${n}`)
  if (!found?.status) {
    log(`naaccord: no session is running for ${target.configFile} (\`naaccord start\` starts one)`)
    return 3
  }
  const s = found.status
  log(
    `session ${s.project}: ${s.state}, supervisor pid ${s.supervisorPid}, up ${formatDuration(Date.now() - s.startedAt)}`,
  )
  log(renderTable(s.units))
  // Docker dependencies (src/deps): the engine in use and each container's health.
  const deps = s.units.filter((u) => u.kind === 'dependency')
  if (deps.length > 0) {
    log(`\nengine: ${s.engine ?? '-'}`)
    for (const u of deps)
      log(
        `  ${u.name}: container ${u.containerId?.slice(0, 12) ?? '-'}, ${u.image ?? '-'}, health ${u.health ?? 'none'}`,
      )
  }
  return 0
}

export function renderTable(units: UnitStatus[]): string {
  const now = Date.now()
  const rows = [
    ['NAME', 'ROLE', 'STATE', 'PID', 'PORT', 'READY', 'RESTARTS', 'UPTIME'],
    ...units.map((u) => [
      u.name,
      u.role ?? u.kind,
      u.state,
      u.pid ? String(u.pid) : '-',
      u.port ? String(u.port) : '-',
      u.readyMs !== undefined ? formatDuration(u.readyMs) : '-',
      String(u.restarts),
      u.startedAt && u.pid ? formatDuration(now - u.startedAt) : '-',
    ]),
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const lines = rows.map((r, ri) =>
    r
      .map((cell, i) => {
        const padded = cell.padEnd(widths[i])
        return ri > 0 && i === 2 ? (STATE_COLOUR[cell] ?? ((x: string) => x))(padded) : padded
      })
      .join('  ')
      .trimEnd(),
  )
  const messages = units.filter((u) => u.message && u.state !== 'ready').map((u) => `  ${u.name}: ${u.message}`)
  return [...lines, ...messages].join('\n')
}
