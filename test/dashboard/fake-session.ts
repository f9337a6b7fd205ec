/**
 * A session control socket for screen tests that need no real servers: a real HTTP server on a Unix socket
 * speaking session/protocol.ts (status, events, logs, unit actions, shutdown), with units whose state the test
 * sets. The real-supervisor tests live in e2e.test.ts.
 */
import http from 'node:http'
import path from 'node:path'
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
  const streams = new Set<http.ServerResponse>()
  const actions: string[] = []
  const send = (event: SessionEvent) => {
    const line = `${JSON.stringify(event)}\n`
    for (const res of streams) res.write(line)
  }
  const update = (name: string, patch: Partial<UnitStatus>) => {
    const unit = status.units.find((u) => u.name === name)!
    Object.assign(unit, patch)
    send({type: 'unit', unit: {...unit}})
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, {'content-type': 'application/x-ndjson'})
      res.write(`${JSON.stringify({type: 'status', status})}\n`)
      streams.add(res)
      res.on('close', () => streams.delete(res))
      return
    }
    if (req.method === 'GET' && url.pathname === '/status') {
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(status))
      return
    }
    if (req.method === 'GET' && url.pathname === '/logs') {
      const tail = Number(url.searchParams.get('tail') ?? 100)
      const names = (url.searchParams.get('names') ?? '').split(',').filter(Boolean)
      res.writeHead(200, {'content-type': 'application/x-ndjson'})
      res.end(
        history
          .filter((l) => names.length === 0 || names.includes(l.unit))
          .slice(-tail)
          .map((l) => `${JSON.stringify(l)}\n`)
          .join(''),
      )
      return
    }
    const action = /^\/units\/([^/]+)\/(restart|stop|start)$/.exec(url.pathname)
    if (req.method === 'POST' && action) {
      const [, name, what] = action
      actions.push(`${what} ${name}`)
      const unit = status.units.find((u) => u.name === name)
      if (what === 'restart' && unit) update(name, {restarts: unit.restarts + 1, pid: (unit.pid ?? 1000) + 1})
      if (what === 'stop') update(name, {state: 'stopped'})
      if (what === 'start') update(name, {state: 'ready'})
      res.end(JSON.stringify({ok: true}))
      return
    }
    if (req.method === 'POST' && url.pathname === '/shutdown') {
      actions.push('shutdown')
      res.end(JSON.stringify({ok: true}))
      status.state = 'stopping'
      send({type: 'shutdown', phase: 'begin'})
      for (const unit of status.units) update(unit.name, {state: 'stopping'})
      setTimeout(() => {
        for (const unit of status.units) update(unit.name, {state: 'stopped'})
        send({type: 'shutdown', phase: 'end'})
        for (const res of streams) res.end()
      }, 1500)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
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
      for (const res of streams) res.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
