/**
 * /proc readers on real processes: this one, `sleep`s in their own groups, a zombie, a process whose name holds
 * spaces and parentheses, its environment and its open files.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {closeSync, openSync, readdirSync, symlinkSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {isGroupAlive} from '../../src/util/ports.js'
import {ancestry, eachOpenFd, groupMembers, readEnviron, readStat, readStatFile} from '../../src/util/procfs.js'
import {processGroups, tempDir} from '../helpers/index.js'

let dir = ''
let cleanup = () => {}
const groups = processGroups(isGroupAlive)
beforeEach(() => {
  ;({dir, cleanup} = tempDir('nac-proc-'))
})
afterEach(async () => {
  await groups.reap()
  cleanup()
})

/** `sh -c script` leading its own process group; resolves with the first line it prints. */
async function group(script: string, env?: NodeJS.ProcessEnv): Promise<{child: ChildProcess; line: string}> {
  const child = spawn('sh', ['-c', script], {detached: true, stdio: ['ignore', 'pipe', 'inherit'], env})
  groups.track(child)
  let out = ''
  while (!out.includes('\n')) {
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer]
    out += String(chunk)
  }
  return {child, line: out.split('\n')[0]}
}

/** Waits until pid runs `comm` and sleeps in it (a forked shell becomes the program only once it has exec'd). */
async function waitComm(pid: number, comm: string) {
  await vi.waitFor(() => expect(readStat(pid)).toMatchObject({comm, state: 'S'}), {timeout: 30_000, interval: 20})
}

describe('readStat', () => {
  it('reads a child: its name, parent, group, a sleeping state, and a start time not before its parent’s', async () => {
    const {child} = await group('echo go; exec sleep 600')
    const pid = child.pid as number
    await waitComm(pid, 'sleep')
    const stat = readStat(pid)!
    expect(stat).toMatchObject({pid, comm: 'sleep', ppid: process.pid, pgid: pid, state: 'S'})
    expect(stat.startedAt).toBeGreaterThanOrEqual(readStat(process.pid)!.startedAt)
    // The parent's own stat agrees with what Node knows of itself.
    expect(readStat(process.pid)).toMatchObject({pid: process.pid, ppid: process.ppid, state: 'R'})
  })

  it('start times are after boot: this process started after pid 1', () => {
    expect(readStat(process.pid)!.startedAt).toBeGreaterThan(readStat(1)!.startedAt)
  })

  it('a later child has a start time no earlier than an earlier one’s', async () => {
    const first = (await group('echo go; exec sleep 600')).child.pid as number
    const second = (await group('echo go; exec sleep 600')).child.pid as number
    expect(readStat(second)!.startedAt).toBeGreaterThanOrEqual(readStat(first)!.startedAt)
  })

  it('a name with spaces and parentheses does not shift the fields after it', async () => {
    const weird = path.join(dir, 'a) b (c')
    symlinkSync('/bin/sleep', weird)
    const {child} = await group(`echo go; exec "${weird}" 600`)
    const pid = child.pid as number
    await waitComm(pid, 'a) b (c')
    expect(readStat(pid)).toMatchObject({pid, comm: 'a) b (c', ppid: process.pid, pgid: pid, state: 'S'})
  })

  it('a zombie reads as state Z', async () => {
    // python forks a child that exits at once and never waits for it.
    const py =
      'import os, sys, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(600)'
    const {line} = await group(`exec python3 -c '${py}'`)
    const zombie = Number(line)
    await vi.waitFor(() => expect(readStat(zombie)?.state).toBe('Z'), {timeout: 30_000, interval: 20})
  })

  it('a missing process or file is undefined', () => {
    expect(readStat(2 ** 22 + 7)).toBeUndefined()
    expect(readStatFile(path.join(dir, 'stat'), 1)).toBeUndefined()
  })

  it('a thread’s stat file reads as the given pid, in the process’s group', () => {
    const tids = readdirSync(`/proc/${process.pid}/task`)
    expect(tids.length).toBeGreaterThan(1)
    const mine = readStat(process.pid)!
    for (const tid of tids) {
      const stat = readStatFile(`/proc/${process.pid}/task/${tid}/stat`, process.pid)
      if (stat === undefined) continue // a thread that ended meanwhile
      expect(stat.pid).toBe(process.pid)
      expect(stat.pgid).toBe(mine.pgid)
      expect(stat.startedAt).toBeGreaterThanOrEqual(mine.startedAt)
    }
  })
})

describe('ancestry and groupMembers', () => {
  it('ancestry goes from a grandchild up through its shell and this process to pid 1', async () => {
    const {child, line} = await group('sleep 600 & echo $!; wait')
    const grandchild = Number(line)
    await waitComm(grandchild, 'sleep')
    const chain = ancestry(grandchild)
    expect(chain.slice(0, 3).map((s) => s.pid)).toEqual([grandchild, child.pid, process.pid])
    for (let i = 1; i < chain.length; i++) expect(chain[i].pid).toBe(chain[i - 1].ppid)
    expect(chain.at(-1)!.pid).toBe(1)
    expect(chain.at(-1)!.ppid).toBe(0)
  })

  it('ancestry of a missing pid is empty', () => {
    expect(ancestry(2 ** 22 + 7)).toEqual([])
  })

  it('groupMembers lists exactly the group: the shell and its two sleeps, not this process', async () => {
    const {child, line} = await group('sleep 600 & a=$!; sleep 600 & echo $a $!; wait')
    const [a, b] = line.split(' ').map(Number)
    const members = groupMembers(child.pid as number)
    expect(members.map((m) => m.pid).sort((x, y) => x - y)).toEqual([child.pid as number, a, b].sort((x, y) => x - y))
    expect(members.every((m) => m.pgid === child.pid)).toBe(true)
    expect(groupMembers(2 ** 22 + 7)).toEqual([])
  })
})

describe('readEnviron', () => {
  it('reads a child’s environment as given, values with = and empty values included', async () => {
    const {child} = await group('echo go; exec sleep 600', {PATH: process.env.PATH, NAC_A: 'x=y=z', NAC_EMPTY: ''})
    const pid = child.pid as number
    await waitComm(pid, 'sleep')
    const env = readEnviron(pid)
    expect(env.NAC_A).toBe('x=y=z')
    expect(env.NAC_EMPTY).toBe('')
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('NAC_'))
        .sort(),
    ).toEqual(['NAC_A', 'NAC_EMPTY'])
    // With the text it must hold: the whole environment when it does, nothing when it does not.
    expect(readEnviron(pid, 'NAC_A=x=y').NAC_A).toBe('x=y=z')
    expect(readEnviron(pid, 'NAC_A=nope')).toEqual({})
  })

  it('a missing process has no environment', () => {
    expect(readEnviron(2 ** 22 + 7)).toEqual({})
  })
})

describe('eachOpenFd', () => {
  it('finds a file this process holds open, and a child’s listening socket', async () => {
    const file = path.join(dir, 'held.txt')
    const fd = openSync(file, 'w')
    try {
      const seen: [number, string][] = []
      expect(eachOpenFd((pid, target) => void seen.push([pid, target]))).toBe(true)
      expect(seen).toContainEqual([process.pid, file])
    } finally {
      closeSync(fd)
    }
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const mine: string[] = []
      eachOpenFd((pid, target) => void (pid === process.pid && mine.push(target)))
      expect(mine.some((t) => /^socket:\[\d+\]$/.test(t))).toBe(true)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('stops at the first visit that returns true', () => {
    let calls = 0
    expect(
      eachOpenFd(() => {
        calls++
        return true
      }),
    ).toBe(true)
    expect(calls).toBe(1)
    let all = 0
    eachOpenFd(() => {
      all++
      return false
    })
    expect(all).toBeGreaterThan(1)
  })
})
