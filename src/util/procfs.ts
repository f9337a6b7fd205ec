/**
 * Just enough of /proc (Linux) to tell who a process is: its parent, group, state, start time and environment.
 * The doctor uses it to say whether a port holder belongs to a tmux session or to a crashed session of this
 * project; the session, to tell a live process (or its threads) from a zombie and a reused pid from its own.
 */
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'

export interface ProcStat {
  pid: number
  comm: string
  ppid: number
  pgid: number
  /** proc(5)'s one-letter state: R, S, D, Z (zombie), X (dead)… */
  state: string
  /** Epoch ms when the process started. */
  startedAt: number
}

/** Clock ticks per second for /proc's start times; 100 on every Linux architecture Node supports. */
const CLK_TCK = 100

let bootTimeMs: number | undefined
function bootTime(): number {
  if (bootTimeMs === undefined) {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('btime '))
    bootTimeMs = Number(line?.split(/\s+/)[1] ?? 0) * 1000
  }
  return bootTimeMs
}

export function readStat(pid: number): ProcStat | undefined {
  return readStatFile(`/proc/${pid}/stat`, pid)
}

/** One stat file: a process's, or one thread's (`/proc/<pid>/task/<tid>/stat`). */
export function readStatFile(file: string, pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  // comm is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
  const close = text.lastIndexOf(')')
  const comm = text.slice(text.indexOf('(') + 1, close)
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/)
  // fields[0] is field 3 (state) of proc(5); field n is fields[n - 3].
  return {
    pid,
    comm,
    state: fields[0],
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startedAt: bootTime() + (Number(fields[19]) / CLK_TCK) * 1000,
  }
}

/** The process and its ancestors, nearest first, up to (not including) pid 0. */
export function ancestry(pid: number): ProcStat[] {
  const out: ProcStat[] = []
  let cur = readStat(pid)
  while (cur && out.length < 64) {
    out.push(cur)
    if (cur.ppid <= 0) break
    cur = readStat(cur.ppid)
  }
  return out
}

/** Every live process whose process group is pgid. */
export function groupMembers(pgid: number): ProcStat[] {
  const out: ProcStat[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(Number(entry))
    if (stat && stat.pgid === pgid) out.push(stat)
  }
  return out
}

/**
 * A process's environment; with `mustHold`, {} at once when the raw environment does not contain that text (a
 * scan of every process for one variable then parses only the few that have it).
 */
export function readEnviron(pid: number, mustHold?: string): Record<string, string> {
  try {
    const bytes = readFileSync(`/proc/${pid}/environ`)
    if (mustHold !== undefined && !bytes.includes(mustHold)) return {}
    const raw = bytes.toString('utf8')
    const out: Record<string, string> = {}
    for (const entry of raw.split('\0')) {
      const eq = entry.indexOf('=')
      if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1)
    }
    return out
  } catch {
    return {}
  }
}

/**
 * Visits every open file descriptor this user may look at, as (pid, link target: a path, `socket:[inode]`, …);
 * stops when `visit` returns true. False when /proc cannot be listed (not Linux).
 */
export function eachOpenFd(visit: (pid: number, target: string) => boolean | undefined): boolean {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return false
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      let target: string
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`)
      } catch {
        continue
      }
      if (visit(Number(entry), target)) return true
    }
  }
  return true
}
