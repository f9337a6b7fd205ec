/**
 * A session for screen tests that need no real servers: the REAL control socket (session/control-server.ts
 * `serveControl`) in front of a stub host whose units the test sets, so the screen is tested against the
 * protocol the supervisor speaks, not a copy of it. The real-supervisor tests live in e2e.test.ts.
 */
import type http from 'node:http'
import path from 'node:path'
import {type SessionHost, serveControl} from '../../src/session/control-server.js'
import type {LogLine, SessionEvent, SessionStatus, UnitStatus} from '../../src/session/protocol.js'

export interface FakeSession {
  socketPath: string
  status: SessionStatus
  actions: string[]
  log(unit: string, line: string, stream?: LogLine['stream']): void
  /** A line the session has (its /logs answers with it) but the event stream never brings: a client behind. */
  logSilently(unit: string, line: string): void
  update(name: string, patch: Partial<UnitStatus>): void
  /** Changes a unit without sending its event: what a session dropping events under load looks like. */
  updateSilently(name: string, patch: Partial<UnitStatus>): void
  close(): Promise<void>
}

export async function fakeSession(dir: string, units: Partial<UnitStatus>[]): Promise<FakeSession> {
  const socketPath = path.join(dir, 'control.sock')
  const now = Date.now()
  const status: SessionStatus = {
    version: 1,
    project: 'fake-project',
    configFile: path.join(dir, 'naaccord.config.yaml'),
    root: dir,
    supervisorPid: process.pid,
    startedAt: now - 2000,
    socketPath,
    state: 'running',
    units: units.map((u) => ({
      name: 'unit',
      kind: 'server',
      state: 'ready',
      restarts: 0,
      logFile: path.join(dir, `${u.name}.log`),
      startedAt: now - 1500,
      readyAt: now - 1000,
      readyMs: 500,
      ...u,
    })),
  }
  const history: LogLine[] = []
  const listeners = new Set<(event: SessionEvent) => void>()
  const actions: string[] = []
  const send = (event: SessionEvent) => {
    for (const listener of listeners) listener(event)
  }
  const update = (name: string, patch: Partial<UnitStatus>) => {
    const unit = status.units.find((u) => u.name === name)!
    Object.assign(unit, patch)
    send({type: 'unit', unit: {...unit}})
  }
  // Only what the control server asks of a session; the actions change the units as a supervisor would.
  const host: SessionHost = {
    status: () => status,
    apiKey: () => undefined,
    tail: (names, lines) => history.filter((l) => names.length === 0 || names.includes(l.unit)).slice(-lines),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async unitAction(name, what) {
      actions.push(`${what} ${name}`)
      const unit = status.units.find((u) => u.name === name)
      if (!unit) throw new Error(`no unit ${name}`)
      if (what === 'restart') update(name, {restarts: unit.restarts + 1, pid: (unit.pid ?? 1000) + 1})
      if (what === 'stop') update(name, {state: 'stopped'})
      if (what === 'start') update(name, {state: 'ready'})
    },
    shutdown() {
      actions.push('shutdown')
      status.state = 'stopping'
      send({type: 'shutdown', phase: 'begin'})
      for (const unit of status.units) update(unit.name, {state: 'stopping'})
      setTimeout(() => {
        for (const unit of status.units) update(unit.name, {state: 'stopped'})
        send({type: 'shutdown', phase: 'end'})
      }, 1500)
    },
  }
  const server: http.Server = await serveControl(host, socketPath)
  return {
    socketPath,
    status,
    actions,
    log(unit, line, stream = 'stdout') {
      const log: LogLine = {unit, line, stream, ts: Date.now()}
      history.push(log)
      send({type: 'log', log})
    },
    logSilently(unit, line) {
      history.push({unit, line, stream: 'stdout', ts: Date.now()})
    },
    update,
    updateSilently(name, patch) {
      Object.assign(status.units.find((u) => u.name === name)!, patch)
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
