/**
 * The project's session as the doctor sees it: none, running (a live supervisor), or stale (session files left
 * by a supervisor that died, perhaps with orphaned server groups still running).
 *
 * Reads the files laid out in session/protocol.ts directly. When the session engineer's client lands
 * (`findRunningSession`, a stale-session cleanup), this module should delegate to it so that there is one
 * definition of "stale".
 */
import {existsSync, readFileSync, rmSync} from 'node:fs'
import http from 'node:http'
import {type SessionPaths, type SessionStatus, sessionPaths, type UnitStatus} from '../session/protocol.js'
import {isGroupAlive} from '../util/ports.js'
import {groupMembers, readStat} from './proc.js'

export interface OrphanGroup {
  unit: string
  pgid: number
  pids: number[]
}

export interface SessionInfo {
  state: 'none' | 'running' | 'stale'
  paths: SessionPaths
  /** The control socket actually used (state.json may record a short fallback path). */
  socketPath: string
  /** From the control socket when it answers, otherwise from state.json. */
  status?: SessionStatus
  supervisorPid?: number
  /** Session files present on disk (lock, state.json, socket). */
  leftovers: string[]
  /** Running sessions only: whether the control socket answered GET /status (a hung supervisor does not). */
  socketAnswers?: boolean
  /** Stale sessions only: groups of this session's units that still have live processes. */
  orphans: OrphanGroup[]
}

/** Start times from /proc are to the 10 ms, boot time to the second: allow this much slack when comparing. */
const CLOCK_SLACK_MS = 5000

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** The lock holds the supervisor's pid, as JSON ({pid} or {supervisorPid}) or as a bare number. */
function readLockPid(file: string): number | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
  if (/^\d+$/.test(text)) return Number(text)
  const json = readJson(file) as {pid?: unknown; supervisorPid?: unknown} | undefined
  const pid = json?.supervisorPid ?? json?.pid
  return typeof pid === 'number' ? pid : undefined
}

/** A pid belongs to the recorded supervisor only if that process started no later than the session did. */
function isSupervisorAlive(pid: number, sessionStartedAt: number | undefined): boolean {
  const stat = readStat(pid)
  if (!stat) return false
  return sessionStartedAt === undefined || stat.startedAt <= sessionStartedAt + CLOCK_SLACK_MS
}

/**
 * The unit's process group, if it is still alive and still the one this session launched: a live leader must
 * have started when the unit was launched (a reused pid started later); with the leader gone, live members
 * prove the group is the old one (Linux does not reuse an id while a group of that id exists).
 */
export function liveGroupOf(unit: UnitStatus, sessionStartedAt: number | undefined): OrphanGroup | undefined {
  const pgid = unit.pgid ?? unit.pid
  if (!pgid || pgid <= 1 || !isGroupAlive(pgid)) return undefined
  const members = groupMembers(pgid)
  if (members.length === 0) return undefined
  const leader = members.find((m) => m.pid === pgid)
  if (leader) {
    // Without a recorded launch time, at least a leader older than the session cannot be ours.
    if (unit.startedAt !== undefined) {
      if (Math.abs(leader.startedAt - unit.startedAt) > CLOCK_SLACK_MS) return undefined
    } else if (sessionStartedAt !== undefined && leader.startedAt < sessionStartedAt - CLOCK_SLACK_MS) return undefined
  }
  return {unit: unit.name, pgid, pids: members.map((m) => m.pid)}
}

function getStatusFromSocket(socketPath: string, timeoutMs = 1500): Promise<SessionStatus | undefined> {
  return new Promise((resolve) => {
    const req = http.get({socketPath, path: '/status', timeout: timeoutMs}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(body) as SessionStatus) : undefined)
        } catch {
          resolve(undefined)
        }
      })
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
  })
}

export async function readSession(stateDir: string): Promise<SessionInfo> {
  const paths = sessionPaths(stateDir)
  const fromFile = readJson(paths.state) as SessionStatus | undefined
  const lockPid = readLockPid(paths.lock)
  const socketPath = fromFile?.socketPath ?? paths.socket
  const leftovers = [paths.lock, paths.state, socketPath].filter((f) => existsSync(f))
  const info: SessionInfo = {state: 'none', paths, socketPath, leftovers, orphans: [], status: fromFile}
  if (leftovers.length === 0) return info
  info.supervisorPid = fromFile?.supervisorPid ?? lockPid
  if (info.supervisorPid && isSupervisorAlive(info.supervisorPid, fromFile?.startedAt)) {
    info.state = 'running'
    const live = existsSync(socketPath) ? await getStatusFromSocket(socketPath) : undefined
    info.socketAnswers = live !== undefined
    info.status = live ?? fromFile
    return info
  }
  info.state = 'stale'
  for (const unit of fromFile?.units ?? []) {
    if (unit.kind !== 'server') continue
    const group = liveGroupOf(unit, fromFile?.startedAt)
    if (group) info.orphans.push(group)
  }
  return info
}

/**
 * Clears a stale session: stops its orphaned groups (TERM, then KILL after graceMs) and removes the lock, state
 * and socket. Logs are kept: they explain the crash. Refuses a running session. Returns what it did.
 */
export async function clearStaleSession(info: SessionInfo, graceMs = 3000): Promise<string[]> {
  if (info.state !== 'stale') return []
  const done: string[] = []
  for (const group of info.orphans) {
    try {
      process.kill(-group.pgid, 'SIGTERM')
    } catch {
      continue
    }
    const deadline = Date.now() + graceMs
    while (isGroupAlive(group.pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    let how = 'SIGTERM'
    if (isGroupAlive(group.pgid)) {
      try {
        process.kill(-group.pgid, 'SIGKILL')
        how = 'SIGKILL'
      } catch {}
    }
    done.push(`stopped orphaned ${group.unit} (process group ${group.pgid}, pids ${group.pids.join(' ')}) with ${how}`)
  }
  for (const file of info.leftovers) {
    rmSync(file, {force: true})
    done.push(`removed stale ${file}`)
  }
  return done
}
