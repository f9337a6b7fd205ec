/**
 * The one control-socket client (src/session/client.ts) against the real control server (control-server.ts) over a
 * stub session whose units and events the test drives.
 */
import {spawn} from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {
  events,
  getApiKey,
  getStatus,
  readSession,
  stopSession,
  streamLogs,
  unitAction,
  waitForUnit,
} from '../../src/session/client.js'
import {type SessionHost, serveControl} from '../../src/session/control-server.js'
import type {LogLine, SessionEvent, SessionStatus, UnitStatus} from '../../src/session/protocol.js'
import {unit, writeSession} from '../doctor/fixtures.js'
import {pendingTimersAfter, tempDir} from '../helpers/index.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function serveStub(units: UnitStatus[]) {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const listeners = new Set<(e: SessionEvent) => void>()
  const lines: LogLine[] = []
  const status = () => ({units: units.map((u) => ({...u}))}) as unknown as SessionStatus
  const subscribed: (() => void)[] = []
  const host: SessionHost = {
    status,
    tail: (names, n) => lines.filter((l) => names.length === 0 || names.includes(l.unit)).slice(-n),
    subscribe: (l) => {
      listeners.add(l)
      for (const f of subscribed.splice(0)) f()
      return () => listeners.delete(l)
    },
    unitAction: async (name) => {
      if (!units.some((u) => u.name === name)) throw new Error(`no unit named ${name}`)
    },
    shutdown: () => undefined,
    apiKey: () => 'stub-key-0123456789',
  }
  const socketPath = path.join(t.dir, 'c.sock')
  const server = await serveControl(host, socketPath)
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  )
  return {
    socketPath,
    lines,
    /** Resolves once a client has subscribed to the events. */
    subscribed: () => new Promise<void>((r) => subscribed.push(r)),
    emit(e: SessionEvent) {
      if (e.type === 'unit')
        units.splice(
          units.findIndex((u) => u.name === e.unit.name),
          1,
          e.unit,
        )
      for (const l of listeners) l(e)
    },
  }
}

describe('waitForUnit', () => {
  it('follows the event stream until the unit settles, and returns its status then', async () => {
    const s = await serveStub([unit('web', 'web', {state: 'starting'}), unit('api', 'services', {state: 'starting'})])
    const subscribed = s.subscribed()
    const waiting = waitForUnit(s.socketPath, 'web', {deadline: Date.now() + 60_000})
    await subscribed
    s.emit({type: 'unit', unit: unit('api', 'services', {state: 'ready'})})
    s.emit({type: 'unit', unit: unit('web', 'web', {state: 'starting', message: 'waiting: port'})})
    s.emit({type: 'unit', unit: unit('web', 'web', {state: 'ready', pid: 42})})
    const got = await waiting
    expect(got).toMatchObject({name: 'web', state: 'ready', pid: 42})
  })

  it('returns at once when the first status already has the unit settled', async () => {
    const s = await serveStub([unit('web', 'web', {state: 'failed', message: 'crash loop'})])
    expect(await waitForUnit(s.socketPath, 'web', {deadline: Date.now() + 60_000})).toMatchObject({state: 'failed'})
  })

  it('past its deadline: an error naming the unit and the state it is stuck in', async () => {
    const s = await serveStub([unit('web', 'web', {state: 'starting'})])
    // A deadline already passed (by the clock given): nothing heard yet.
    await expect(waitForUnit(s.socketPath, 'web', {deadline: 1000, now: () => 2000})).rejects.toThrow(
      'web: never reported when the wait ran out; wanted ready or failed or exited or stopped',
    )
    // A deadline that passes while the unit stays where it is.
    const subscribed = s.subscribed()
    const waiting = waitForUnit(s.socketPath, 'web', {deadline: Date.now() + 500, until: ['ready']})
    await subscribed
    s.emit({type: 'unit', unit: unit('web', 'web', {state: 'starting', message: 'waiting: port 8000'})})
    await expect(waiting).rejects.toThrow(
      'web: still starting (waiting: port 8000) when the wait ran out; wanted ready',
    )
  })

  it('a unit the session does not have, and a session that ends meanwhile, are errors', async () => {
    const s = await serveStub([unit('web', 'web', {state: 'starting'})])
    await expect(waitForUnit(s.socketPath, 'nope', {deadline: Date.now() + 60_000})).rejects.toThrow(
      'the session has no unit named nope',
    )
    const subscribed = s.subscribed()
    const waiting = waitForUnit(s.socketPath, 'web', {deadline: Date.now() + 60_000})
    await subscribed
    s.emit({type: 'shutdown', phase: 'end'})
    await expect(waiting).rejects.toThrow('web: the session ended while waiting, still starting')
  })
})

describe('the routes', () => {
  it('events: the status first, then the session events in order; ends when the session does', async () => {
    const s = await serveStub([unit('web', 'web')])
    const subscribed = s.subscribed()
    const got: string[] = []
    const reading = (async () => {
      for await (const batch of events(s.socketPath)) for (const e of batch) got.push(e.type)
    })()
    await subscribed
    s.emit({type: 'unit', unit: unit('web', 'web', {state: 'stopping'})})
    s.emit({type: 'shutdown', phase: 'begin'})
    s.emit({type: 'shutdown', phase: 'end'})
    await reading
    expect(got).toEqual(['status', 'unit', 'shutdown', 'shutdown'])
  })

  it('status, logs and unit actions', async () => {
    const s = await serveStub([unit('web', 'web'), unit('api', 'services')])
    s.lines.push(
      {unit: 'web', stream: 'stdout', line: 'héllo', ts: 1},
      {unit: 'api', stream: 'stderr', line: 'x', ts: 2},
    )
    expect((await getStatus(s.socketPath)).units.map((u) => u.name)).toEqual(['web', 'api'])
    const lines: string[] = []
    await streamLogs(s.socketPath, {names: ['web'], tail: 10}, (l) => lines.push(`${l.unit}:${l.line}`))
    expect(lines).toEqual(['web:héllo'])
    expect(await unitAction(s.socketPath, 'web', 'restart')).toEqual({ok: true})
    expect(await unitAction(s.socketPath, 'nope', 'restart')).toEqual({ok: false, error: 'no unit named nope'})
    expect(await getApiKey(s.socketPath)).toEqual({apiKey: 'stub-key-0123456789'})
  })

  it('a socket that never answers: an error naming the socket and the route, after the time limit', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const socketPath = path.join(t.dir, 'hung.sock')
    const sockets: net.Socket[] = []
    const server = net.createServer((c) => sockets.push(c))
    await new Promise<void>((r) => server.listen(socketPath, r))
    cleanups.push(() => {
      for (const c of sockets) c.destroy()
      server.close()
    })
    await expect(getStatus(socketPath, {timeoutMs: 50})).rejects.toThrow(
      `the session's control socket ${socketPath} did not answer GET /status`,
    )
  })
})

describe('readSession', () => {
  it('none without session files; running with the live status from the socket', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    expect((await readSession(path.join(t.dir, '.naaccord'))).state).toBe('none')
    const paths = writeSession(t.dir, {supervisorPid: process.pid, units: [unit('web', 'web', {state: 'starting'})]})
    const live = {units: [unit('web', 'web', {state: 'ready'})]} as unknown as SessionStatus
    const server = await serveControl(
      {
        status: () => live,
        tail: () => [],
        subscribe: () => () => undefined,
        unitAction: async () => undefined,
        shutdown: () => undefined,
        apiKey: () => undefined,
      },
      paths.socket,
    )
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const info = await readSession(path.join(t.dir, '.naaccord'))
    expect(info).toMatchObject({state: 'running', socketAnswers: true, supervisorPid: process.pid})
    expect(info.status?.units[0].state).toBe('ready')
  })
})

describe('stopSession', () => {
  it('leaves no timer behind once it returns (the command exits as soon as it has said what it did)', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    // The supervisor: a real node process (a live lock names one) that the stub's shutdown ends.
    const supervisor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'})
    cleanups.push(() => {
      supervisor.kill('SIGKILL')
    })
    const paths = writeSession(t.dir, {supervisorPid: supervisor.pid as number, units: [unit('web', 'web')]})
    const server = await serveControl(
      {
        status: () => ({units: [unit('web', 'web')]}) as unknown as SessionStatus,
        tail: () => [],
        subscribe: () => () => undefined,
        unitAction: async () => undefined,
        shutdown: () => {
          supervisor.kill('SIGTERM')
        },
        apiKey: () => undefined,
      },
      paths.socket,
    )
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections()
          server.close(() => r())
        }),
    )
    const {result, pending} = await pendingTimersAfter(() => stopSession(path.join(t.dir, '.naaccord')))
    expect(result).toMatchObject({stopped: true, problems: []})
    // It used to race its subscription against a 1 s sleep that it never cleared: `naaccord stop` printed
    // "stopped in 160ms" and then sat a second before exiting.
    expect(pending).toEqual([])
  })
})
