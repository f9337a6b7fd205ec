/**
 * The bodies of `naaccord stop`, `status`, `logs` and `restart`, shared by their oclif commands and bin/run.js's
 * fast path (fast.ts), which runs them without loading oclif or the config's schema: a command that talks to a
 * running session should start like a small tool. Each returns its exit code. A failure throws CommandError
 * (the oclif command reports it with this.error, the fast path with oclif's own error printer); bad input, or a
 * case the fast path cannot serve, throws UsageError before anything is done (the fast path then hands the
 * command line to oclif, which runs it and reports what is wrong).
 */
import chalk from 'chalk'
import {
  findRunningSession,
  getStatus,
  type StopResult,
  stopSession,
  streamLogs,
  unitAction,
  waitForUnit,
} from '../session/client.js'
import {PrefixedPrinter} from '../session/output.js'
import type {UnitStatus} from '../session/protocol.js'
import {formatDuration, parseDuration} from '../util/duration.js'

/** The command failed: the message oclif's this.error would print, and the exit code. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exit = 1,
  ) {
    super(message)
  }
}

/** Bad input (or nothing for the fast path to do), found before anything was done. */
export class UsageError extends CommandError {
  constructor(message: string, exit = 2) {
    super(message, exit)
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

/** runLogs found no running session (the oclif command then reads the log files). */
export class NoSession extends UsageError {
  constructor(configFile: string) {
    super(`no session is running for ${configFile}`, 3)
  }
}

/** --since of logs: a duration back from now (5m) or an ISO time, as epoch ms; UsageError when neither. */
export function logsSince(flag: string | undefined, now = Date.now()): number | undefined {
  if (!flag) return undefined
  const ms = parseDuration(flag)
  const since = ms !== undefined ? now - ms : Date.parse(flag)
  if (Number.isNaN(since))
    throw new UsageError(`--since: expected a duration (5m) or an ISO time, got ${JSON.stringify(flag)}`)
  return since
}

export interface LogsFlags {
  follow?: boolean
  tail: number
  since?: string
  json?: boolean
}

/**
 * `naaccord logs` from the running session: its recent lines (then live ones with --follow), prefixed and coloured
 * by the session's own units (as `start` prints them), or JSON lines. No session running: NoSession (the oclif
 * command then reads the log files, which needs the config's units).
 */
export async function runLogs(target: SessionTarget, names: string[], flags: LogsFlags): Promise<number> {
  const since = logsSince(flags.since)
  const found = await findRunningSession(target.stateDir)
  if (!found) throw new NoSession(target.configFile)
  const units = found.status?.units.map((u) => u.name) ?? names
  const printer = new PrefixedPrinter(units, (t) => process.stdout.write(t))
  const abort = new AbortController()
  const onInterrupt = () => abort.abort()
  process.once('SIGINT', onInterrupt)
  try {
    await streamLogs(found.socketPath, {names, tail: flags.tail, follow: flags.follow, signal: abort.signal}, (log) => {
      if (since !== undefined && log.ts < since) return
      if (flags.json) process.stdout.write(`${JSON.stringify(log)}\n`)
      else printer.event({type: 'log', log})
    })
  } finally {
    process.removeListener('SIGINT', onInterrupt)
  }
  return 0
}

/** How long restart waits for the unit to settle after its relaunch. */
const RESTART_WAIT_MS = 120_000

/** `naaccord restart <name>`: relaunches one unit, then (unless --no-wait) waits until it settles. */
export async function runRestart(
  target: SessionTarget,
  name: string,
  flags: {wait: boolean; json?: boolean},
): Promise<number> {
  const found = await findRunningSession(target.stateDir, (n) => log(`naaccord: ${n}`))
  if (!found)
    throw new CommandError(`no session is running for ${target.configFile} (\`naaccord start\` starts one)`, 3)
  const result = await unitAction(found.socketPath, name, 'restart')
  if (!result.ok) throw new CommandError(`restart ${name}: ${result.error}`, 1)
  // Until it settles (ready, failed, exited, stopped), watched on the event stream rather than polled.
  let unit: UnitStatus | undefined
  try {
    unit = flags.wait
      ? await waitForUnit(found.socketPath, name, {deadline: Date.now() + RESTART_WAIT_MS})
      : (await getStatus(found.socketPath)).units.find((u) => u.name === name)
  } catch (error) {
    throw new CommandError(`restart ${name}: ${(error as Error).message}`, 1)
  }
  if (flags.json) log(JSON.stringify(unit, null, 2))
  else if (unit?.state === 'ready') log(`naaccord: ${name} restarted (pid ${unit.pid}), ready in ${unit.readyMs}ms`)
  else log(`naaccord: ${name} restarted; now ${unit?.state}${unit?.message ? `: ${unit.message}` : ''}`)
  return unit && ['failed', 'exited'].includes(unit.state) ? 1 : 0
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
