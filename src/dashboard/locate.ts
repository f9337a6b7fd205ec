/**
 * Where the running session's control socket is: state.json (a SessionStatus) records it, since a long project
 * path makes the session fall back to a short socket path elsewhere; otherwise the default beside it.
 * TODO(session client): delegate to `findRunningSession(stateDir)` once src/session/client.ts lands.
 */
import {existsSync, readFileSync} from 'node:fs'
import {sessionPaths} from '../session/protocol.js'

export interface LocatedSession {
  socketPath: string
  project?: string
}

export function locateSession(stateDir: string): LocatedSession | undefined {
  const paths = sessionPaths(stateDir)
  let recorded: string | undefined
  let project: string | undefined
  try {
    const state = JSON.parse(readFileSync(paths.state, 'utf8')) as {socketPath?: unknown; project?: unknown}
    if (typeof state.socketPath === 'string') recorded = state.socketPath
    if (typeof state.project === 'string') project = state.project
  } catch {
    // No state.json: try the default socket.
  }
  for (const socketPath of [recorded, paths.socket]) {
    if (socketPath && existsSync(socketPath)) return {socketPath, project}
  }
  return undefined
}
