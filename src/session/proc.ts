/**
 * Is a recorded pid or process group still the one this session launched? Pids are recycled, so a live pid
 * proves nothing on its own: its start time (from /proc) must match what the session recorded.
 */
import {groupMembers, readStat} from '../doctor/proc.js'
import {isGroupAlive} from '../util/ports.js'

/** /proc start times are to the 10 ms and boot time to the second: allow this much slack. */
const CLOCK_SLACK_MS = 5000

/** The process is alive and started no later than `notAfter` (epoch ms) allows. */
export function isOurProcess(pid: number, notAfter: number | undefined): boolean {
  const stat = readStat(pid)
  if (!stat) return false
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
  return members.map((m) => m.pid)
}
