/**
 * The supervisor in-process (startSession): restart backoff, crash loops, dependency conditions, log probes.
 * Real child processes; what is asserted comes from the session's own events and from /proc.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan} from '../../src/config/plan.js'
import {getStatus, streamLogs, unitAction} from '../../src/session/client.js'
import type {SessionEvent, UnitStatus} from '../../src/session/protocol.js'
import {type Session, startSession} from '../../src/session/session.js'
import {backoffDelay, RestartTracker} from '../../src/supervisor/restart/policy.js'
import {freePort, tempProject} from '../helpers/index.js'
import {CRASH_JS, groupPids, SERVER_JS, simpleConfig, waitFor} from '../session/fixtures.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function session(yaml: string, files: Record<string, string>) {
  const t = tempProject(yaml, files)
  const plan = buildPlan(loadConfig({configPath: `${t.dir}/naaccord.config.yaml`, noLocal: true}), {profiles: []})
  const events: SessionEvent[] = []
  const s: Session = await startSession(plan, {onEvent: (e) => events.push(e)})
  cleanups.push(async () => {
    await s.stop(1000)
    t.cleanup()
  })
  const unitEvents = (name: string): UnitStatus[] =>
    events.flatMap((e) => (e.type === 'unit' && e.unit.name === name ? [e.unit] : []))
  const logs = (name: string) => events.flatMap((e) => (e.type === 'log' && e.log.unit === name ? [e.log.line] : []))
  return {s, events, unitEvents, logs, dir: t.dir}
}

describe('restart policy', () => {
  it('backs off exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, 100, 1000))).toEqual([100, 200, 400, 800, 1000, 1000])
  })

  it('declares a crash loop after maxRestarts within the window, and forgets restarts outside it', () => {
    const t = new RestartTracker({
      policy: 'on-failure',
      maxRestarts: 2,
      window: 1000,
      backoffInitial: 10,
      backoffMax: 100,
    })
    const crash = {code: 1, signal: null}
    expect(t.next(crash, 5, 0)).toEqual({restart: true, delayMs: 10, attempt: 1})
    expect(t.next(crash, 5, 10)).toEqual({restart: true, delayMs: 20, attempt: 2})
    const loop = t.next(crash, 5, 20)
    expect(loop.restart).toBe(false)
    expect(loop.restart === false && loop.reason).toMatch(/^crash loop: 2 restarts within 1s/)
    expect(t.next(crash, 5, 5000).restart).toBe(true)
    expect(t.next({code: 0, signal: null}, 5, 5001).restart).toBe(false)
  })
})

describe('supervisor', () => {
  it('restarts a crashing server with growing delays, then stops at a crash loop with a clear message', async () => {
    const {s, unitEvents, logs} = await session(
      simpleConfig(
        'nac-crash',
        '  crasher:\n    command: node crash.js\n    ready: {log: {pattern: never printed}}\n    restart: {policy: on-failure, maxRestarts: 3, window: 1m, backoff: {initial: 100ms, max: 400ms}}\n',
      ),
      {'crash.js': CRASH_JS},
    )
    await expect(s.ready).rejects.toThrow(/crasher: crash loop: 3 restarts within 60s.*last exit code 3/)
    const launches = [
      ...new Set(
        unitEvents('crasher')
          .map((u) => u.startedAt)
          .filter(Boolean),
      ),
    ] as number[]
    expect(launches).toHaveLength(4)
    // 100, 200, 400 ms of backoff, each wait twice the one before up to the max: the waits the supervisor
    // announced, in order (the policy's arithmetic on a given clock is tested above; no wall-clock gap here).
    const announced = logs('crasher').filter((l) => /restarting in/.test(l))
    expect(announced.map((l) => /restarting in (\d+ms) \(restart (\d)\)/.exec(l)?.slice(1).join(' '))).toEqual([
      '100ms 1',
      '200ms 2',
      '400ms 3',
    ])
    const last = s.status().units[0]
    expect(last.state).toBe('failed')
    expect(last.restarts).toBe(3)
    expect(logs('crasher').filter((l) => l === 'crashing now')).toHaveLength(4)
  })

  it('does not start a server whose dependency never becomes ready, and says why', async () => {
    const [dbPort, appPort] = [await freePort(), await freePort()]
    const {s} = await session(
      simpleConfig(
        'nac-dep',
        `  db:\n    command: node server.js\n    port: ${dbPort}\n    startTimeout: 800ms\n    ready:\n      http: {url: "{url}/never", status: 204}\n      interval: 50ms\n` +
          `  app:\n    command: node server.js\n    port: ${appPort}\n    dependsOn: {db: ready}\n`,
      ),
      {'server.js': SERVER_JS},
    )
    await expect(s.ready).rejects.toThrow(
      /db: not ready within 800ms \(GET http:\/\/127\.0\.0\.1:\d+\/never\): .* answered 200, expected 204/,
    )
    await waitFor(() => s.status().units.find((u) => u.name === 'app')?.state === 'failed')
    const [db, app] = s.status().units
    expect(db.state).toBe('failed')
    expect(groupPids(db.pgid!)).toEqual([])
    expect(app.state).toBe('failed')
    expect(app.pid).toBeUndefined()
    expect(app.startedAt).toBeUndefined()
    expect(app.message).toMatch(/^not started: db never became ready \(not ready within 800ms/)
  })

  it('starts a dependent only after its dependency is ready; a log probe counts lines of the current launch', async () => {
    const [a, b] = [await freePort(), await freePort()]
    const {s, unitEvents} = await session(
      simpleConfig(
        'nac-order',
        `  first:\n    command: node server.js\n    port: ${a}\n    ready:\n      log: {pattern: "listening on \\\\d+"}\n      interval: 20ms\n` +
          `  second:\n    command: node server.js\n    port: ${b}\n    dependsOn: [first]\n`,
      ),
      {'server.js': SERVER_JS},
    )
    await s.ready
    const firstReady = unitEvents('first').find((u) => u.state === 'ready')!.readyAt!
    const secondLaunch = unitEvents('second').find((u) => u.startedAt)!.startedAt!
    expect(secondLaunch).toBeGreaterThanOrEqual(firstReady)
    // Over the control socket: status, the log tail, and a restart. A restart must wait for a new
    // "listening" line, not match the previous launch's.
    const status = await getStatus(s.socketPath)
    expect(status.units.map((u) => u.state)).toEqual(['ready', 'ready'])
    const tail: string[] = []
    await streamLogs(s.socketPath, {names: ['second'], tail: 10}, (l) => tail.push(`${l.unit}:${l.line}`))
    expect(tail).toContain(`second:listening on ${b}`)
    expect(tail.every((l) => l.startsWith('second:'))).toBe(true)
    const pidBefore = s.status().units[0].pid
    expect(await unitAction(s.socketPath, 'nope', 'restart')).toEqual({
      ok: false,
      error: 'no unit named nope (have: first, second)',
    })
    expect(await unitAction(s.socketPath, 'first', 'restart')).toEqual({ok: true})
    await waitFor(() => s.status().units[0].state === 'ready' && s.status().units[0].pid !== pidBefore)
    const after = s.status().units[0]
    expect(after.restarts).toBe(1)
    expect(after.readyAt! - after.startedAt!).toBeGreaterThanOrEqual(0)
    expect(groupPids(pidBefore!)).toEqual([])
    const report = await s.stop()
    expect(report).toMatchObject({clean: true, problems: []})
  })
  it('keeps output whole: a line written in pieces, and a 2 MB flood cut at every chunk, arrive intact and in order', async () => {
    // One line in two writes, 60 ms apart; then 20,000 numbered lines in one write, which the pipe hands over in
    // chunks that end mid-line, and which is long enough for the supervisor to pause it between turns.
    const script = `const w = (s) => new Promise((r) => process.stdout.write(s, r));
(async () => {
  await w('par'); await new Promise((r) => setTimeout(r, 60)); await w('tial line\\nnext\\n')
  let out = ''
  for (let i = 0; i < 20000; i++) out += 'flood ' + String(i).padStart(6, '0') + ' ' + 'x'.repeat(80) + '\\n'
  await w(out)
  setInterval(() => undefined, 1000)
})()
`
    const {s, events, dir} = await session(
      simpleConfig('nac-whole', '  talker:\n    command: node talk.cjs\n    restart: "no"\n'),
      {'talk.cjs': script},
    )
    const output = () => events.flatMap((e) => (e.type === 'log' && e.log.stream === 'stdout' ? [e.log.line] : []))
    await waitFor(() => output().length >= 20002, 20_000)
    const expected = ['partial line', 'next']
    for (let i = 0; i < 20000; i++) expected.push(`flood ${String(i).padStart(6, '0')} ${'x'.repeat(80)}`)
    expect(output()).toEqual(expected)
    await s.stop()
    const file = readFileSync(path.join(dir, '.naaccord', 'logs', 'talker.log'), 'utf8')
    expect(file.split('\n').filter((l) => /^(partial|next|flood)/.test(l))).toEqual(expected)
  })
})
