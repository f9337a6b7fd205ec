/**
 * The one process-group stopper (issue #15): the supervisor's units, a stale session's orphans, `stop`'s
 * leftovers and a second Ctrl-C all stop processes through here. Signal the group (and any process that left it
 * with setsid but still carries the session marker), wait with a deadline, SIGKILL what is left, and say what had
 * to be killed.
 *
 * The session marker: every process a session starts carries `NAACCORD_SESSION=<id>` (and `NAACCORD_UNIT=<name>`)
 * in its environment, inherited by its children and grandchildren. /proc/<pid>/environ is fixed at exec, so the
 * marker finds a session's processes without state.json, and finds a grandchild that called setsid.
 */
import {createHash} from 'node:crypto'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {isGroupRunning, isRunning} from './proc.js'
import {readEnviron, readStat} from './procfs.js'
import {sleep} from './sleep.js'

export const SESSION_ENV = 'NAACCORD_SESSION'
export const UNIT_ENV = 'NAACCORD_UNIT'
/** `<signal>/<ms>`: how the unit is stopped, so that an orphan is stopped its own way without state.json. */
export const STOP_ENV = 'NAACCORD_STOP'

/** The marker value of the session whose state folder is stateDir: stable across that project's sessions. */
export function sessionMarker(stateDir: string): string {
  return createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16)
}

export interface MarkedProcess {
  pid: number
  pgid: number
  unit: string | undefined
  /** NAACCORD_STOP, when set. */
  stop: string | undefined
  comm: string
}

/**
 * Live processes carrying this session marker (optionally: of this unit), this process and its ancestors
 * excepted. Reads every /proc/<pid>/environ: a few ms for a few hundred processes.
 */
export function markedProcesses(marker: string, unit?: string): MarkedProcess[] {
  const out: MarkedProcess[] = []
  const self = new Set<number>()
  for (let pid: number | undefined = process.pid; pid && pid > 1 && !self.has(pid); pid = readStat(pid)?.ppid)
    self.add(pid)
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return out
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (self.has(pid)) continue
    const env = readEnviron(pid, `${SESSION_ENV}=${marker}`)
    if (env[SESSION_ENV] !== marker) continue
    if (unit !== undefined && env[UNIT_ENV] !== unit) continue
    const stat = readStat(pid)
    if (!stat || !isRunning(pid)) continue
    out.push({pid, pgid: stat.pgid, unit: env[UNIT_ENV], stop: env[STOP_ENV], comm: stat.comm})
  }
  return out
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {}
}

export interface StopGroupOptions {
  /** The first signal (the unit's stop signal). Default SIGTERM. */
  signal?: NodeJS.Signals
  /** Time between the first signal and SIGKILL. */
  timeoutMs: number
  /** Also stop the processes carrying this marker (and unit), wherever their group: a setsid grandchild. */
  marker?: {session: string; unit?: string}
  /** How long to wait for SIGKILL to take (a process in D state). Default 5 s. */
  killWaitMs?: number
  /** Longest interval between two looks while waiting (the first looks come sooner). Default 20 ms. */
  pollMs?: number
}

export interface StopGroupResult {
  /** What needed SIGKILL: groups by pgid, escaped processes by pid (with their command name). */
  killed: string[]
  /** Processes still alive after SIGKILL (a process stuck in the kernel). */
  survivors: number[]
}

/**
 * Stops a process group (pgid; undefined when there is none, e.g. only marked processes are left) and the
 * processes outside it that carry the marker: the first signal to all, then a wait with a deadline (zombies count
 * as dead), then SIGKILL to what is left. Resolves once all are gone or the SIGKILL wait ran out.
 */
export async function stopGroup(pgid: number | undefined, options: StopGroupOptions): Promise<StopGroupResult> {
  const signal = options.signal ?? 'SIGTERM'
  const poll = options.pollMs ?? 20
  const escaped = () =>
    options.marker ? markedProcesses(options.marker.session, options.marker.unit).filter((p) => p.pgid !== pgid) : []
  const alive = () => (pgid !== undefined && isGroupRunning(pgid)) || escaped().length > 0
  if (!alive()) return {killed: [], survivors: []}
  if (pgid !== undefined) signalGroup(pgid, signal)
  for (const p of escaped()) signalPid(p.pid, signal)
  const deadline = Date.now() + options.timeoutMs
  // Most servers are gone within a few ms of the signal: look again soon, then less often (2, 4, 8 … up to poll).
  for (let wait = 2; alive() && Date.now() < deadline; wait *= 2) await sleep(Math.min(wait, poll))
  const killed: string[] = []
  if (pgid !== undefined && isGroupRunning(pgid)) {
    signalGroup(pgid, 'SIGKILL')
    killed.push(`process group ${pgid}`)
  }
  for (const p of escaped()) {
    signalPid(p.pid, 'SIGKILL')
    killed.push(`pid ${p.pid} (${p.comm}, outside its group)`)
  }
  if (killed.length === 0) return {killed, survivors: []}
  const killDeadline = Date.now() + (options.killWaitMs ?? 5000)
  while (alive() && Date.now() < killDeadline) await sleep(Math.min(poll, 10))
  const survivors = [...(pgid !== undefined && isGroupRunning(pgid) ? [pgid] : []), ...escaped().map((p) => p.pid)]
  return {killed, survivors}
}

/** SIGKILL now, no wait: a second Ctrl-C. */
export function killGroupNow(pgid: number | undefined, marker?: {session: string; unit?: string}): void {
  if (pgid !== undefined) signalGroup(pgid, 'SIGKILL')
  if (marker) for (const p of markedProcesses(marker.session, marker.unit)) signalPid(p.pid, 'SIGKILL')
}
