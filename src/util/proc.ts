/**
 * Is a recorded pid or process group still the one this session launched? Pids are recycled, so a live pid
 * proves nothing on its own: its start time (from /proc) must match what the session recorded.
 */
import {readdirSync} from 'node:fs'
import {isGroupAlive} from './ports.js'
import {groupMembers, readStat, readStatFile} from './procfs.js'

/**
 * Alive and not a zombie. A zombie is dead: it only waits to be reaped, and a detached supervisor's zombie may
 * never be (when pid 1 does not reap), so kill(pid, 0) alone would call it alive forever.
 */
export function isRunning(pid: number): boolean {
  const state = readStat(pid)?.state
  if (state === undefined) return false
  if (state !== 'Z' && state !== 'X') return true
  // A multi-threaded process (Node, Python) shows its leader thread as a zombie while its other threads are
  // still exiting, and its sockets close only when the last one has: until then it still holds its ports.
  try {
    return readdirSync(`/proc/${pid}/task`).some((tid) => {
      const s = readStatFile(`/proc/${pid}/task/${tid}/stat`, pid)?.state
      return s !== undefined && s !== 'Z' && s !== 'X'
    })
  } catch {
    return false
  }
}

/** /proc start times are to the 10 ms and boot time to the second: allow this much slack. */
const CLOCK_SLACK_MS = 5000

/** The process is alive and started no later than `notAfter` (epoch ms) allows. */
export function isOurProcess(pid: number, notAfter: number | undefined): boolean {
  const stat = readStat(pid)
  if (!stat || !isRunning(pid)) return false
  return notAfter === undefined || stat.startedAt <= notAfter + CLOCK_SLACK_MS
}

/**
 * The pids of the group if it is still the one launched at `launchedAt`: a live leader must have started then
 * (a reused pid started later); with the leader gone, live members prove it (Linux does not reuse an id while a
 * group of that id exists).
 */
export function liveGroup(pgid: number, launchedAt: number | undefined): number[] {
  if (pgid <= 1 || !isGroupAlive(pgid)) return []
  const members = groupMembers(pgid)
  const leader = members.find((m) => m.pid === pgid)
  if (leader && launchedAt !== undefined && Math.abs(leader.startedAt - launchedAt) > CLOCK_SLACK_MS) return []
  return members.filter((m) => isRunning(m.pid)).map((m) => m.pid)
}

/**
 * Whether any process of the group is alive and not a zombie. kill(-pgid, 0) first (cheap); only when it
 * says yes is /proc scanned, because a group whose members are all unreaped zombies is already dead.
 */
export function isGroupRunning(pgid: number): boolean {
  if (!isGroupAlive(pgid)) return false
  return groupMembers(pgid).some((m) => isRunning(m.pid))
}
