/**
 * Session files as the supervisor writes them (src/session/protocol.ts), and its real control socket, for building
 * real stale/running states.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {type SessionHost, serveControl} from '../../src/session/control-server.js'
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

/**
 * The supervisor's REAL control socket (session/control-server.ts) over a stub session that only has a status:
 * no logs, no events beyond the first status, unit actions and shutdown refused. The protocol cannot drift from
 * the server's, because it is the server.
 */
export async function serveControlSocket(
  socketPath: string,
  status: () => SessionStatus,
): Promise<() => Promise<void>> {
  const host: SessionHost = {
    status,
    tail: () => [],
    subscribe: () => () => undefined,
    unitAction: async (name) => {
      throw new Error(`${name}: this test session runs no units`)
    },
    shutdown: () => undefined,
    apiKey: () => undefined,
  }
  const server = await serveControl(host, socketPath)
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
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
