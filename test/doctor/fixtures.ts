/** Session files as the supervisor writes them (src/session/protocol.ts), for building real stale/running states. */
import {mkdirSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import {type SessionStatus, sessionPaths, type UnitStatus} from '../../src/session/protocol.js'

export function unit(name: string, role: 'web' | 'services', extra: Partial<UnitStatus> = {}): UnitStatus {
  return {name, kind: 'server', role, state: 'ready', restarts: 0, logFile: `/dev/null`, ...extra}
}

export function writeSession(
  dir: string,
  status: Partial<SessionStatus> & {supervisorPid: number; units: UnitStatus[]},
): ReturnType<typeof sessionPaths> {
  const paths = sessionPaths(path.join(dir, '.naaccord'))
  mkdirSync(paths.logs, {recursive: true})
  const full: SessionStatus = {
    version: 1,
    project: 'nac-test',
    configFile: path.join(dir, 'naaccord.config.yaml'),
    root: dir,
    startedAt: Date.now(),
    socketPath: paths.socket,
    state: 'running',
    ...status,
  }
  writeFileSync(paths.state, JSON.stringify(full))
  writeFileSync(paths.lock, JSON.stringify({pid: status.supervisorPid}))
  for (const u of status.units) writeFileSync(path.join(paths.logs, `${u.name}.log`), 'a line\n')
  return paths
}

/** The supervisor's control socket as protocol.ts describes it, reduced to GET /status. */
export async function serveControlSocket(socketPath: string, status: () => unknown): Promise<() => Promise<void>> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/status') {
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(status()))
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return () => new Promise((resolve) => server.close(() => resolve()))
}

/** A hung supervisor: its socket accepts connections and never answers. */
export async function serveHungSocket(socketPath: string): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
}
