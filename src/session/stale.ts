/**
 * A session left behind by a supervisor that died (kill -9, a crash, a reboot): its lock, state and socket are
 * on disk and its server groups may still be running. Found here, stopped and cleared with a one-line notice.
 */
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {isGroupRunning, liveGroup} from '../util/proc.js'
import {sleep} from '../util/sleep.js'
import {isLockLive, readLock} from './lock.js'
import {type SessionStatus, sessionPaths} from './protocol.js'

export interface SessionFiles {
  status: SessionStatus | undefined
  supervisorPid: number | undefined
  socketPath: string
  /** lock / state / socket files present. */
  present: string[]
  live: boolean
}

export function readStateFile(file: string): SessionStatus | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SessionStatus
  } catch {
    return undefined
  }
}

export function inspectSession(stateDir: string): SessionFiles {
  const paths = sessionPaths(stateDir)
  const status = readStateFile(paths.state)
  const lock = readLock(paths.lock)
  const socketPath = status?.socketPath ?? lock?.socketPath ?? paths.socket
  const present = [paths.lock, paths.state, socketPath].filter((f) => existsSync(f))
  let live = false
  if (lock) live = isLockLive(lock)
  else if (status) live = isLockLive({pid: status.supervisorPid, startedAt: status.startedAt})
  return {status, supervisorPid: lock?.pid ?? status?.supervisorPid, socketPath, present, live}
}

/**
 * Stops the orphaned groups of a dead session (TERM, then KILL after graceMs) and removes its lock, state and
 * socket; logs stay (they explain the crash). Returns one line per thing done. Refuses a live session.
 */
export async function clearStaleSession(stateDir: string, graceMs = 3000): Promise<string[]> {
  const files = inspectSession(stateDir)
  if (files.live || files.present.length === 0) return []
  const done: string[] = []
  const groups = (files.status?.units ?? []).flatMap((u) => {
    const pgid = u.pgid ?? u.pid
    if (u.kind !== 'server' || !pgid) return []
    const pids = liveGroup(pgid, u.startedAt)
    return pids.length > 0 ? [{name: u.name, pgid, pids}] : []
  })
  for (const g of groups) {
    try {
      process.kill(-g.pgid, 'SIGTERM')
    } catch {}
  }
  const deadline = Date.now() + graceMs
  while (groups.some((g) => isGroupRunning(g.pgid)) && Date.now() < deadline) await sleep(20)
  for (const g of groups) {
    let how = 'SIGTERM'
    if (isGroupRunning(g.pgid)) {
      try {
        process.kill(-g.pgid, 'SIGKILL')
      } catch {}
      how = 'SIGKILL'
    }
    done.push(`stopped orphaned ${g.name} (process group ${g.pgid}) with ${how}`)
  }
  for (const file of files.present) rmSync(file, {force: true})
  const who = files.supervisorPid ? `supervisor pid ${files.supervisorPid} is gone` : 'no supervisor'
  return [`cleared a stale session in ${stateDir} (${who})${done.length ? `; ${done.join('; ')}` : ''}`]
}

/** One line naming the live session of this project, or undefined when there is none. */
export function runningSessionProblem(stateDir: string): string | undefined {
  const files = inspectSession(stateDir)
  if (!files.live) return undefined
  const since = files.status ? ` since ${new Date(files.status.startedAt).toISOString()}` : ''
  return `a session of this project is already running (supervisor pid ${files.supervisorPid}${since}, ${stateDir}): \`naaccord status\` shows it, \`naaccord stop\` stops it`
}
