/**
 * The project's session as the doctor sees it: none, running (a live supervisor), or stale (session files left
 * by a supervisor that is gone, perhaps with orphaned server groups still running). Read-only: it never clears
 * anything (src/session's findRunningSession does, which is why the doctor does not call it).
 *
 * "Stale" and "orphan" are src/session's definitions (inspectSession, liveGroup) so that doctor, start and stop
 * agree; the fix is src/session's clearStaleSession.
 */
import http from 'node:http'
import {type SessionPaths, type SessionStatus, sessionPaths} from '../session/protocol.js'
import {clearStaleSession as clearSession, inspectSession} from '../session/stale.js'
import {liveGroup} from '../util/proc.js'

export interface OrphanGroup {
  unit: string
  pgid: number
  pids: number[]
}

export interface SessionInfo {
  state: 'none' | 'running' | 'stale'
  paths: SessionPaths
  /** The control socket actually used (state.json or the lock may record a short fallback path). */
  socketPath: string
  /** From the control socket when it answers, otherwise from state.json. */
  status?: SessionStatus
  supervisorPid?: number
  /** Session files present on disk (lock, state.json, socket). */
  leftovers: string[]
  /** Running sessions only: whether the control socket answered GET /status (a hung supervisor does not). */
  socketAnswers?: boolean
  /** Stale sessions only: groups of this session's servers that still have live processes. */
  orphans: OrphanGroup[]
}

/** GET /status with a short time limit: a hung supervisor must not hold the doctor up. */
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
  const files = inspectSession(stateDir)
  const info: SessionInfo = {
    state: 'none',
    paths: sessionPaths(stateDir),
    socketPath: files.socketPath,
    leftovers: files.present,
    orphans: [],
    status: files.status,
    supervisorPid: files.supervisorPid,
  }
  if (files.present.length === 0) return info
  if (files.live) {
    info.state = 'running'
    const live = files.present.includes(files.socketPath) ? await getStatusFromSocket(files.socketPath) : undefined
    info.socketAnswers = live !== undefined
    info.status = live ?? files.status
    return info
  }
  info.state = 'stale'
  for (const unit of files.status?.units ?? []) {
    const pgid = unit.pgid ?? unit.pid
    if (unit.kind !== 'server' || !pgid) continue
    const pids = liveGroup(pgid, unit.startedAt)
    if (pids.length > 0) info.orphans.push({unit: unit.name, pgid, pids})
  }
  return info
}

/**
 * Clears a stale session (src/session's cleanup: stops its orphaned groups, removes lock, state and socket,
 * keeps the logs). Re-reads the state first and never touches a running session. Returns what it did.
 */
export async function clearStaleSession(stateDir: string): Promise<string[]> {
  const info = await readSession(stateDir)
  if (info.state !== 'stale') return []
  return clearSession(stateDir)
}
