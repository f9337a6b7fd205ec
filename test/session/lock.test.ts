/**
 * The session lock on real files: taking it exclusively, reading every shape a lock file can have, telling a
 * live holder from a dead or recycled one (real processes: this one, a `sleep`, one that has exited), releasing.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {acquireLock, isLockLive, type LockInfo, readLock, readLockFile, releaseLock} from '../../src/session/lock.js'
import {readStat} from '../../src/util/procfs.js'
import {tempDir} from '../helpers/index.js'

let dir = ''
let cleanup = () => {}
const children: ChildProcess[] = []
beforeEach(() => {
  ;({dir, cleanup} = tempDir('nac-lock-'))
})
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
  }
  cleanup()
})

/** This process, as the session records itself: its pid and its start time from /proc. */
function me(extra: Partial<LockInfo> = {}): LockInfo {
  return {pid: process.pid, startedAt: readStat(process.pid)!.startedAt, ...extra}
}

async function sleeper(): Promise<number> {
  const child = spawn('sleep', ['600'], {stdio: 'ignore'})
  children.push(child)
  await once(child, 'spawn')
  return child.pid as number
}

/** The pid of a process that has run and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('true', [], {stdio: 'ignore'})
  await once(child, 'exit')
  return child.pid as number
}

function lockAt(text: string): string {
  const file = path.join(dir, 'session.lock')
  writeFileSync(file, text)
  return file
}

describe('acquireLock', () => {
  it('creates the state folder (0700) and the lock (0600) holding the info as one JSON line', () => {
    const file = path.join(dir, 'proj', '.naaccord', 'session.lock')
    const info = me({configFile: '/x/naaccord.config.yaml', socketPath: '/tmp/s.sock'})
    expect(acquireLock(file, info)).toEqual({ok: true})
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(info)}\n`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700)
    expect(readLock(file)).toEqual(info)
  })

  it('a second taker is refused and told the live holder, which is not stale', () => {
    const file = path.join(dir, 'session.lock')
    const info = me()
    expect(acquireLock(file, info)).toEqual({ok: true})
    expect(acquireLock(file, {pid: process.pid + 1, startedAt: info.startedAt})).toEqual({
      ok: false,
      holder: info,
      stale: false,
    })
    expect(readLock(file)).toEqual(info)
  })

  it('a holder that has exited is stale', async () => {
    const file = lockAt(JSON.stringify({pid: await deadPid(), startedAt: me().startedAt}))
    const result = acquireLock(file, me())
    expect(result).toMatchObject({ok: false, stale: true})
  })

  it('an unreadable lock is refused but not called stale: it may be one being written', () => {
    for (const text of ['', '{"pid":', '{"pid":"x"}']) {
      expect(acquireLock(lockAt(text), me())).toEqual({ok: false, holder: undefined, stale: false})
    }
  })

  it('works in a project folder whose path needs escaping in a URL, and makes no other folder', () => {
    for (const name of ['my project', 'a%20b', 'x#y', 'q?r']) {
      const file = path.join(dir, name, '.naaccord', 'session.lock')
      expect(acquireLock(file, me())).toEqual({ok: true})
      expect(readLock(file)?.pid).toBe(process.pid)
    }
    expect(readdirSync(dir).sort()).toEqual(['a%20b', 'my project', 'q?r', 'x#y'])
  })

  it('an error other than "exists" is thrown, not taken for a holder', () => {
    writeFileSync(path.join(dir, 'file'), '')
    expect(() => acquireLock(path.join(dir, 'file', 'session.lock'), me())).toThrow(/EEXIST|ENOTDIR/)
  })
})

describe('readLockFile', () => {
  it('a missing file is neither info nor a problem', () => {
    expect(readLockFile(path.join(dir, 'none'))).toEqual({})
  })

  it('a plain positive pid (the old format) is info without a start time', () => {
    expect(readLockFile(lockAt(' 4242\n'))).toEqual({info: {pid: 4242, startedAt: 0}})
  })

  it('JSON is validated: defaults filled, extra keys kept', () => {
    expect(readLockFile(lockAt('{"pid": 7, "future": 1}\n'))).toEqual({info: {pid: 7, startedAt: 0, future: 1}})
  })

  it('each bad shape is a problem saying what is wrong', () => {
    const cases: [string, string | RegExp][] = [
      ['', 'empty'],
      [' \n\t', 'empty'],
      ['pid=4', /^not JSON \(.+\)$/],
      ['0', '(top level): Expected object, received number'],
      ['[]', '(top level): Expected object, received array'],
      ['{"pid": -3}', 'pid: Number must be greater than 0'],
      ['{"pid": 1.5}', 'pid: Expected integer, received float'],
      ['{"startedAt": 1}', 'pid: Required'],
      ['{"pid": 3, "socketPath": ""}', 'socketPath: String must contain at least 1 character(s)'],
    ]
    for (const [text, problem] of cases) {
      const read = readLockFile(lockAt(text))
      expect(read.info, text).toBeUndefined()
      expect(read.problem, text).toEqual(typeof problem === 'string' ? problem : expect.stringMatching(problem))
      expect(readLock(lockAt(text))).toBeUndefined()
    }
  })
})

describe('isLockLive', () => {
  it('this process with its own start time, or a later one, is live', () => {
    expect(isLockLive(me())).toBe(true)
    expect(isLockLive(me({startedAt: me().startedAt + 60_000}))).toBe(true)
  })

  it('a live pid that started well after the lock was written is a recycled pid: not live', async () => {
    const pid = await sleeper()
    const started = readStat(pid)!.startedAt
    expect(isLockLive({pid, startedAt: started})).toBe(true)
    expect(isLockLive({pid, startedAt: started - 60_000})).toBe(false)
  })

  it('without a start time, only a node or naaccord process passes for the holder', async () => {
    expect(isLockLive({pid: process.pid, startedAt: 0})).toBe(true)
    expect(isLockLive({pid: await sleeper(), startedAt: 0})).toBe(false)
  })

  it('nothing, or a pid that has exited, is not live', async () => {
    expect(isLockLive(undefined)).toBe(false)
    expect(isLockLive({pid: await deadPid(), startedAt: 0})).toBe(false)
  })
})

describe('releaseLock', () => {
  it('removes this process’s lock, and is quiet when there is none', () => {
    const file = path.join(dir, 'session.lock')
    acquireLock(file, me())
    releaseLock(file)
    expect(existsSync(file)).toBe(false)
    releaseLock(file)
    expect(existsSync(file)).toBe(false)
  })

  it('leaves another holder’s lock alone unless told that pid', () => {
    const file = lockAt(JSON.stringify({pid: process.pid + 1, startedAt: 1}))
    releaseLock(file)
    expect(readLock(file)?.pid).toBe(process.pid + 1)
    releaseLock(file, process.pid + 1)
    expect(existsSync(file)).toBe(false)
  })

  it('removes a lock it cannot read (no holder to protect)', () => {
    const file = lockAt('garbage')
    releaseLock(file)
    expect(existsSync(file)).toBe(false)
  })
})
