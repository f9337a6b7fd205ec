/**
 * A session left behind by a supervisor that died (kill -9, a crash, a reboot): its lock, state and socket are
 * on disk and its server processes may still be running. Found here, stopped and cleared with a one-line notice.
 *
 * The processes are found two ways, so that no single file decides: the groups state.json recorded, and every
 * process carrying the session marker in its environment (util/group-stop.ts), which also finds a unit spawned a
 * moment before the supervisor died, one whose state.json is corrupt or gone, and a grandchild that called setsid.
 * Session files are validated on read; a bad one is set aside (`state.json.bad-<ts>`) with a notice, never thrown.
 */
import {existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {z} from 'zod'
import {type MarkedProcess, markedProcesses, sessionMarker, stopGroup} from '../util/group-stop.js'
import {liveGroup} from '../util/proc.js'
import {isLockLive, LOCK_UNREADABLE_GRACE_MS, readLockFile} from './lock.js'
import {type SessionStatus, sessionPaths} from './protocol.js'

/** What state.json must hold for the session code to use it; anything else in it is kept as it is. */
const UnitStatusSchema = z
  .object({
    name: z.string().min(1),
    kind: z.enum(['server', 'dependency']),
    state: z.string(),
    pid: z.number().int().positive().optional(),
    pgid: z.number().int().positive().optional(),
    port: z.number().int().optional(),
    startedAt: z.number().optional(),
    restarts: z.number().int().nonnegative().default(0),
    logFile: z.string().default(''),
  })
  .passthrough()

const SessionStatusSchema = z
  .object({
    supervisorPid: z.number().int().positive(),
    startedAt: z.number(),
    socketPath: z.string().min(1),
    project: z.string().default(''),
    state: z.enum(['starting', 'running', 'stopping']).default('running'),
    units: z.array(UnitStatusSchema),
  })
  .passthrough()

export type StateRead = {status: SessionStatus | undefined; problem?: string}

/** state.json, validated: undefined when absent; a problem (what is wrong, where) when it is there but bad. */
export function readStateFile(file: string): StateRead {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return {status: undefined}
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return {status: undefined, problem: text.trim() === '' ? 'empty' : `not JSON (${(error as Error).message})`}
  }
  const parsed = SessionStatusSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
    return {status: undefined, problem: `${where}: ${issue.message}`}
  }
  return {status: parsed.data as unknown as SessionStatus}
}

export interface SessionFiles {
  status: SessionStatus | undefined
  supervisorPid: number | undefined
  socketPath: string
  /** lock / state / socket files present. */
  present: string[]
  live: boolean
  /** Session files present but unusable, with what is wrong: set aside by clearStaleSession. */
  bad: {file: string; problem: string}[]
}

export function inspectSession(stateDir: string): SessionFiles {
  const paths = sessionPaths(stateDir)
  const state = readStateFile(paths.state)
  const status = state.status
  const lockFile = readLockFile(paths.lock)
  const lock = lockFile.info
  // Only a path this session could have used: a session file must never name something else to remove.
  const socketPath =
    [status?.socketPath, lock?.socketPath].find((p) => p && isSessionSocketPath(p, paths.socket)) ?? paths.socket
  const present = [paths.lock, paths.state, socketPath].filter((f) => existsSync(f))
  let live = false
  if (lock) live = isLockLive(lock)
  else if (status) live = isLockLive({pid: status.supervisorPid, startedAt: status.startedAt})
  const bad: SessionFiles['bad'] = []
  if (state.problem) bad.push({file: paths.state, problem: state.problem})
  // An unreadable lock may be one being written this very moment: bad only once it has stayed so for a while.
  if (lockFile.problem && lockAgeMs(paths.lock) > LOCK_UNREADABLE_GRACE_MS)
    bad.push({file: paths.lock, problem: lockFile.problem})
  return {status, supervisorPid: lock?.pid ?? status?.supervisorPid, socketPath, present, live, bad}
}

/** `.naaccord/control.sock`, or the short fallback in the temp dir (session.ts's controlSocketPath). */
function isSessionSocketPath(file: string, preferred: string): boolean {
  if (file === preferred) return true
  return path.dirname(file) === os.tmpdir() && /^naaccord-[0-9a-f]{16}\.sock$/.test(path.basename(file))
}

function lockAgeMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs
  } catch {
    return 0
  }
}

/** Renames a bad session file aside (kept for a bug report) and says so. */
function setAside(file: string, problem: string, now = Date.now()): string {
  const aside = `${file}.bad-${now}`
  try {
    renameSync(file, aside)
    return `set aside ${path.basename(file)} (${problem}) as ${path.basename(aside)}`
  } catch (error) {
    return `cannot set aside ${file} (${problem}): ${(error as Error).message}`
  }
}

/** `.state.json.<pid>.<ts>.tmp` files of writers that died mid-write (writeFileAtomic): removed, never read. */
export function removeTempFiles(stateDir: string): number {
  let removed = 0
  let entries: string[]
  try {
    entries = readdirSync(stateDir)
  } catch {
    return 0
  }
  for (const entry of entries) {
    const m = /^\.(?:state\.json|session\.lock)\.(\d+)\.\d+\.tmp$/.exec(entry)
    if (!m || Number(m[1]) === process.pid) continue
    // A live writer's temp file is renamed within milliseconds; only those whose writer is gone are removed.
    if (existsSync(`/proc/${m[1]}`)) continue
    rmSync(path.join(stateDir, entry), {force: true})
    removed++
  }
  return removed
}

/** Default stop timeout for an orphan whose unit's own cannot be known (no NAACCORD_STOP in its environment). */
const ORPHAN_STOP_MS = 3000

interface OrphanUnit {
  name: string
  pgid: number | undefined
  signal: NodeJS.Signals
  timeoutMs: number
}

/** The units with something still running: from state.json's groups and from the session marker. */
function orphanUnits(stateDir: string, status: SessionStatus | undefined): OrphanUnit[] {
  const marked = markedProcesses(sessionMarker(stateDir))
  const units = new Map<string, OrphanUnit>()
  for (const u of status?.units ?? []) {
    const pgid = u.pgid ?? u.pid
    if (u.kind !== 'server' || !pgid || liveGroup(pgid, u.startedAt).length === 0) continue
    units.set(u.name, {name: u.name, pgid, ...stopSpec(marked.find((p) => p.unit === u.name))})
  }
  for (const p of marked) {
    const name = p.unit ?? '?'
    // The group this unit's processes lead (a process whose pid is its pgid); escapees are the marker's job.
    const pgid = marked.some((q) => q.pid === p.pgid && q.unit === p.unit) ? p.pgid : undefined
    const known = units.get(name)
    if (!known) units.set(name, {name, pgid, ...stopSpec(p)})
    else if (known.pgid === undefined && pgid !== undefined) known.pgid = pgid
  }
  return [...units.values()]
}

/** NAACCORD_STOP=<signal>/<ms>, as the process runner put it in the unit's environment. */
function stopSpec(p: MarkedProcess | undefined): {signal: NodeJS.Signals; timeoutMs: number} {
  const m = p?.stop ? /^(SIG[A-Z0-9]+)\/(\d+)$/.exec(p.stop) : null
  return m ? {signal: m[1] as NodeJS.Signals, timeoutMs: Number(m[2])} : {signal: 'SIGTERM', timeoutMs: ORPHAN_STOP_MS}
}

/**
 * Stops the orphaned processes of a dead session (each unit's stop signal, SIGKILL after the unit's own stop
 * timeout, or `graceMs` when given) and removes its lock, state and socket; logs stay (they explain the crash).
 * Runs with no session file at all too: the marker alone finds orphans. Returns one line per thing done.
 * Refuses a live session.
 */
export async function clearStaleSession(stateDir: string, graceMs?: number): Promise<string[]> {
  const files = inspectSession(stateDir)
  if (files.live) return []
  const lines: string[] = []
  for (const b of files.bad) lines.push(setAside(b.file, b.problem))
  const temps = removeTempFiles(stateDir)
  if (temps > 0) lines.push(`removed ${temps} half-written temp file${temps > 1 ? 's' : ''} from ${stateDir}`)
  const marker = sessionMarker(stateDir)
  const units = orphanUnits(stateDir, files.status)
  const done = await Promise.all(
    units.map(async (u) => {
      const result = await stopGroup(u.pgid, {
        signal: u.signal,
        timeoutMs: graceMs ?? u.timeoutMs,
        marker: {session: marker, unit: u.name === '?' ? undefined : u.name},
      })
      const what = u.pgid ? `process group ${u.pgid}` : 'its processes'
      const how = result.killed.length > 0 ? `SIGKILL (${result.killed.join(', ')})` : u.signal
      const left = result.survivors.length > 0 ? `; still alive: pid ${result.survivors.join(', ')}` : ''
      return `stopped orphaned ${u.name} (${what}) with ${how}${left}`
    }),
  )
  const present = files.present.filter((f) => existsSync(f))
  for (const file of present) rmSync(file, {force: true})
  if (present.length === 0 && done.length === 0) return lines
  const who = files.supervisorPid ? `supervisor pid ${files.supervisorPid} is gone` : 'no supervisor'
  lines.push(`cleared a stale session in ${stateDir} (${who})${done.length ? `; ${done.join('; ')}` : ''}`)
  return lines
}

/** One line naming the live session of this project, or undefined when there is none. */
export function runningSessionProblem(stateDir: string): string | undefined {
  const files = inspectSession(stateDir)
  if (!files.live) return undefined
  const since = files.status ? ` since ${new Date(files.status.startedAt).toISOString()}` : ''
  return `a session of this project is already running (supervisor pid ${files.supervisorPid}${since}, ${stateDir}): \`naaccord status\` shows it, \`naaccord stop\` stops it`
}
