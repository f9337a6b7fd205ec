/**
 * One session per project: `.naaccord/session.lock`, created exclusively, holding the supervisor's pid.
 * A lock whose pid is dead (or recycled) is stale; the caller clears it (see stale.ts) and tries again.
 */
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {isOurProcess} from '../util/proc.js'

export interface LockInfo {
  pid: number
  startedAt: number
  configFile?: string
  socketPath?: string
}

export function readLock(file: string): LockInfo | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
  if (/^\d+$/.test(text)) return {pid: Number(text), startedAt: 0}
  try {
    const json = JSON.parse(text) as Partial<LockInfo>
    if (typeof json.pid === 'number') return {startedAt: 0, ...json} as LockInfo
  } catch {}
  return undefined
}

export function isLockLive(info: LockInfo | undefined): boolean {
  return info !== undefined && isOurProcess(info.pid, info.startedAt || undefined)
}

export type LockResult = {ok: true} | {ok: false; holder: LockInfo | undefined; stale: boolean}

/** Takes the lock for this process; on failure says who holds it and whether that holder is dead. */
export function acquireLock(file: string, info: LockInfo): LockResult {
  mkdirSync(new URL('.', `file://${file}`).pathname, {recursive: true})
  try {
    writeFileSync(file, `${JSON.stringify(info)}\n`, {flag: 'wx'})
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
