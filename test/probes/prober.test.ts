/**
 * The Prober on a server target: real sockets and real child processes. `retries` at its boundary, the start
 * period, the deadline, abort, and each kind's pass and fail (tcp, exec, log); liveness's 3-in-a-row rule.
 */
import {readFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {ProbeConfig} from '../../src/config/schema.js'
import {type ProbeLine, Prober} from '../../src/probes/index.js'
import {serverTarget} from '../../src/probes/server-target.js'
import {freePort, tempDir} from '../helpers/index.js'
import {countingCommand} from './helpers.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn()
})

function folder(): string {
  const t = tempDir('nac-probe-')
  cleanups.push(t.cleanup)
  return t.dir
}

const timing = {interval: 10, timeout: 2000, retries: 0, startPeriod: 0}

function server(cwd: string, lines: ProbeLine[] = []) {
  return serverTarget({cwd, env: {...process.env, MARK: 'from-env'} as Record<string, string>, lines: () => lines})
}

function ready(
  prober: Prober,
  o: {timeoutMs?: number; signal?: AbortSignal; startedAt?: number; now?: () => number} = {},
) {
  const reasons: string[] = []
  const done = prober.waitReady({
    signal: o.signal ?? new AbortController().signal,
    startedAt: o.startedAt ?? Date.now(),
    timeoutMs: o.timeoutMs ?? 60_000,
    onWaiting: (r) => reasons.push(r),
    now: o.now,
  })
  return {done, reasons}
}

describe('retries: give up at the Nth counted failure in a row', () => {
  it('retries 3: passing on the 3rd attempt is ready; failing the 3rd gives up there (no 4th attempt)', async () => {
    const dir = folder()
    const passes = new Prober({exec: {command: countingCommand(3)}, ...timing, retries: 3}, server(dir))
    await ready(passes).done
    expect(readFileSync(path.join(dir, 'count'), 'utf8').trim()).toBe('3')

    const dir2 = folder()
    const never = new Prober({exec: {command: countingCommand(4)}, ...timing, retries: 3}, server(dir2))
    const {done, reasons} = ready(never)
    await expect(done).rejects.toThrow(
      /not ready: 3 failed attempts in a row \(retries: 3; exec sh -c .*\): .*exited 1: run 3/,
    )
    expect(reasons).toHaveLength(3)
    expect(readFileSync(path.join(dir2, 'count'), 'utf8').trim()).toBe('3')
  })

  it('retries 1: the first counted failure is the last attempt', async () => {
    const dir = folder()
    const p = new Prober({exec: {command: countingCommand(2)}, ...timing, retries: 1}, server(dir))
    await expect(ready(p).done).rejects.toThrow(/1 failed attempts in a row/)
    expect(readFileSync(path.join(dir, 'count'), 'utf8').trim()).toBe('1')
  })

  it('failures inside the start period do not count', async () => {
    const dir = folder()
    // A clock that says "still in the start period" for the first two attempts' checks.
    let t = 0
    const now = () => t
    const p = new Prober({exec: {command: countingCommand(99)}, ...timing, retries: 2, startPeriod: 1000}, server(dir))
    const reasons: string[] = []
    const done = p.waitReady({
      signal: new AbortController().signal,
      startedAt: 0,
      timeoutMs: 60_000,
      now,
      onWaiting: (r) => {
        reasons.push(r)
        if (reasons.length === 2) t = 1000 // the start period ends after the 2nd failure
      },
    })
    await expect(done).rejects.toThrow(/2 failed attempts in a row/)
    // 1 inside the period, then 2 counted (the 2nd failure was judged after the period ended).
    expect(readFileSync(path.join(dir, 'count'), 'utf8').trim()).toBe('3')
  })

  it('retries 0: only the deadline ends it, with the probe and the last reason', async () => {
    const port = await freePort()
    let t = 0
    const p = new Prober({tcp: {host: '127.0.0.1', port}, ...timing}, server(folder()))
    const reasons: string[] = []
    const done = p.waitReady({
      signal: new AbortController().signal,
      startedAt: 0,
      timeoutMs: 800,
      now: () => t,
      onWaiting: (r) => {
        reasons.push(r)
        if (reasons.length === 5) t = 800
      },
    })
    await expect(done).rejects.toThrow(new RegExp(`not ready within 800ms \\(tcp 127.0.0.1:${port}\\): .*ECONNREFUSED`))
    expect(reasons).toHaveLength(5)
  })

  it('an abort ends the wait with the abort reason', async () => {
    const ac = new AbortController()
    const p = new Prober({tcp: {host: '127.0.0.1', port: await freePort()}, ...timing}, server(folder()))
    const {done, reasons} = ready(p, {signal: ac.signal})
    while (reasons.length < 2) await new Promise((r) => setTimeout(r, 5))
    ac.abort(new Error('exited with code 1 before it was ready'))
    await expect(done).rejects.toThrow('exited with code 1 before it was ready')
  })
})

describe('kinds on a server target', () => {
  it('tcp: ready once the port accepts; refused names host:port and the code', async () => {
    const port = await freePort()
    const probe: ProbeConfig = {tcp: {host: '127.0.0.1', port}, ...timing}
    const p = new Prober(probe, server(folder()))
    expect(await p.attempt(new AbortController().signal)).toBe(`127.0.0.1:${port}: ECONNREFUSED`)
    const listener = net.createServer((s) => s.end()).listen(port, '127.0.0.1')
    cleanups.push(() => listener.close())
    await new Promise((r) => listener.once('listening', r))
    expect(await p.attempt(new AbortController().signal)).toBeUndefined()
  })

  it('exec: runs in the server folder with its environment; a failure gives the exit code and last line', async () => {
    const dir = folder()
    const ok = new Prober(
      {
        exec: {command: ['sh', '-c', 'test "$MARK" = from-env && test -f count || (echo "no count in $PWD"; exit 3)']},
        ...timing,
      },
      server(dir),
    )
    expect(await ok.attempt(new AbortController().signal)).toMatch(new RegExp(`exited 3: no count in ${dir}`))
    await new Prober({exec: {command: countingCommand(1)}, ...timing}, server(dir)).attempt(
      new AbortController().signal,
    )
    expect(await ok.attempt(new AbortController().signal)).toBeUndefined()
  })

  it('exec: a command that does not exist, and one that outlives its timeout', async () => {
    const missing = new Prober({exec: {command: ['no-such-command-xyz']}, ...timing}, server(folder()))
    expect(await missing.attempt(new AbortController().signal)).toMatch(/no-such-command-xyz.*ENOENT/)
    const slow = new Prober({exec: {command: ['sleep', '5']}, ...timing, timeout: 200}, server(folder()))
    expect(await slow.attempt(new AbortController().signal)).toBe('`sleep 5` timed out after 200ms')
  })

  it('log: only lines of the given stream count, colour codes ignored', async () => {
    const lines: ProbeLine[] = [{stream: 'stdout', line: '\x1b[32mListening\x1b[0m on 8000'}]
    const onStderr = new Prober({log: {pattern: 'Listening on', stream: 'stderr'}, ...timing}, server(folder(), lines))
    const any = new Prober({log: {pattern: 'Listening on', stream: 'any'}, ...timing}, server(folder(), lines))
    expect(await onStderr.attempt(new AbortController().signal)).toBe('no log line matching /Listening on/ yet')
    expect(await any.attempt(new AbortController().signal)).toBeUndefined()
  })
})

describe('liveness', () => {
  it('three failures in a row → unhealthy, one success → ready again; a log probe is not re-run', async () => {
    const port = await freePort()
    let listener: net.Server | undefined
    const listen = () =>
      new Promise<void>((r) => {
        listener = net.createServer((s) => s.end()).listen(port, '127.0.0.1', () => r())
      })
    await listen()
    cleanups.push(() => listener?.close())
    const ac = new AbortController()
    cleanups.push(() => ac.abort())
    const changes: string[] = []
    const p = new Prober({tcp: {host: '127.0.0.1', port}, ...timing}, server(folder()))
    p.watch({
      signal: ac.signal,
      intervalMs: 20,
      onChange: (h, why) => changes.push(h ? 'healthy' : `unhealthy: ${why}`),
    })
    await new Promise<void>((r) => listener!.close(() => r()))
    while (changes.length < 1) await new Promise((r) => setTimeout(r, 10))
    expect(changes).toEqual([`unhealthy: 127.0.0.1:${port}: ECONNREFUSED`])
    await listen()
    while (changes.length < 2) await new Promise((r) => setTimeout(r, 10))
    expect(changes[1]).toBe('healthy')
    expect(new Prober({log: {pattern: 'x', stream: 'any'}, ...timing}, server(folder())).live).toBe(false)
  })
})
