/**
 * One session per project: `.naaccord/session.lock`, created exclusively, holding the supervisor's pid.
 * A lock whose pid is dead (or recycled) is stale; the caller clears it (see stale.ts) and tries again.
 */
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {z} from 'zod'
import {processCommand} from '../util/ports.js'
import {isOurProcess} from '../util/proc.js'

export interface LockInfo {
  pid: number
  startedAt: number
  configFile?: string
  socketPath?: string
}

const LockSchema = z
  .object({
    pid: z.number().int().positive(),
    startedAt: z.number().default(0),
    configFile: z.string().optional(),
    socketPath: z.string().min(1).optional(),
  })
  .passthrough()

/** An unreadable lock younger than this may be one being written: treated as held, not as bad. */
export const LOCK_UNREADABLE_GRACE_MS = 2000

export function readLock(file: string): LockInfo | undefined {
  return readLockFile(file).info
}

/** The lock, validated: info when usable; a problem (what is wrong) when the file is there but bad. */
export function readLockFile(file: string): {info?: LockInfo; problem?: string} {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch {
    return {}
  }
  if (/^\d+$/.test(text) && Number(text) > 0) return {info: {pid: Number(text), startedAt: 0}}
  if (text === '') return {problem: 'empty'}
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return {problem: `not JSON (${(error as Error).message})`}
  }
  const parsed = LockSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return {problem: `${issue.path.join('.') || '(top level)'}: ${issue.message}`}
  }
  return {info: parsed.data}
}

/**
 * The lock's holder is alive and is the process that took it: started no later than the lock says, or, for a lock
 * without a start time (the old plain-pid format, a hand-written one), a Node process at least. Any live pid
 * (pid 1) in a garbage lock must not pass for a running session forever.
 */
export function isLockLive(info: LockInfo | undefined): boolean {
  if (info === undefined || !isOurProcess(info.pid, info.startedAt || undefined)) return false
  return info.startedAt > 0 || /\bnode\b|naaccord/.test(processCommand(info.pid) ?? '')
}

export type LockResult = {ok: true} | {ok: false; holder: LockInfo | undefined; stale: boolean}

/** Takes the lock for this process; on failure says who holds it and whether that holder is dead. */
export function acquireLock(file: string, info: LockInfo): LockResult {
  mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
  try {
    writeFileSync(file, `${JSON.stringify(info)}\n`, {flag: 'wx', mode: 0o600})
    return {ok: true}
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const holder = readLock(file)
  // An unreadable lock may be one being written this very moment: treat it as live unless it stays empty.
  return {ok: false, holder, stale: holder !== undefined && !isLockLive(holder)}
}

export function releaseLock(file: string, pid = process.pid): void {
  const holder = readLock(file)
  if (holder === undefined || holder.pid === pid) rmSync(file, {force: true})
}
