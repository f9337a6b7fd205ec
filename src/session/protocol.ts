/**
 * The session's shared vocabulary: where its files live and what the supervisor's control socket speaks.
 * `start` (the supervisor) serves it; `stop`, `status`, `logs`, `restart`, `dashboard`, `doctor` and
 * `test-streaming` are clients. Keep this file free of behaviour so every side can import it cheaply.
 *
 * Control socket: HTTP/1.1 over a Unix socket.
 *   GET  /status                         → SessionStatus
 *   GET  /logs?names=a,b&tail=N&follow=1 → application/x-ndjson stream of LogLine (tail first, then live if follow)
 *   GET  /events                         → application/x-ndjson stream of SessionEvent (a `status` event first)
 *   POST /units/:name/restart            → {ok:true} | {ok:false,error}
 *   POST /units/:name/stop               → same
 *   POST /units/:name/start              → same
 *   POST /shutdown  body {timeoutMs?}    → {ok:true} once the stop has begun; the supervisor exits when done
 *   GET  /api-key                        → ApiKeyReply: the key the session's servers were given, whole (the
 *                                          socket is the owner's only, 0600); clients never print it whole
 */
import path from 'node:path'

export const STATE_VERSION = 1

export type UnitState =
  | 'pending' // waiting for its dependencies
  | 'starting' // launched, not ready yet
  | 'ready'
  | 'unhealthy' // was ready, probe failing now
  | 'exited' // ended; see exitCode
  | 'restarting' // waiting out the backoff before the next launch
  | 'failed' // gave up: crash loop, start timeout, dependency never ready, spawn error
  | 'stopping'
  | 'stopped'

export interface UnitStatus {
  name: string
  kind: 'server' | 'dependency'
  role?: 'web' | 'services'
  state: UnitState
  pid?: number
  /** Process group id (== pid: each server leads its own group). */
  pgid?: number
  port?: number
  url?: string
  /** Epoch ms of the current launch. */
  startedAt?: number
  /** Epoch ms when it last became ready, and how long that took from launch. */
  readyAt?: number
  readyMs?: number
  restarts: number
  exitCode?: number | null
  signal?: string | null
  /** Human-readable reason for the current state (why it failed, what it waits for, last health output). */
  message?: string
  /** Work in progress, a line each, while it lasts (an image pull's layers): a terminal shows them per line. */
  progress?: string[]
  /** Dependencies only. */
  containerId?: string
  image?: string
  health?: string
  /** Absolute path of this unit's log file. */
  logFile: string
}

export interface SessionStatus {
  version: typeof STATE_VERSION
  project: string
  configFile: string
  root: string
  supervisorPid: number
  startedAt: number
  socketPath: string
  /** Container engine endpoint in use, when any dependency is enabled. */
  engine?: string
  /** Masked API key, for display (never the whole key). */
  apiKeyMasked?: string
  /** Folders the web server must never write to. */
  watch?: string[]
  state: 'starting' | 'running' | 'stopping'
  units: UnitStatus[]
}

/** GET /api-key: the config's key, else the INTERNAL_API_KEY the supervisor's servers inherited; none when neither. */
export interface ApiKeyReply {
  apiKey?: string
}

export interface LogLine {
  unit: string
  stream: 'stdout' | 'stderr' | 'system'
  /** The line without its trailing newline; ANSI colours kept. */
  line: string
  /** Epoch ms when the supervisor read it. */
  ts: number
}

export type SessionEvent =
  | {type: 'status'; status: SessionStatus}
  | {type: 'unit'; unit: UnitStatus}
  | {type: 'log'; log: LogLine}
  | {type: 'shutdown'; phase: 'begin' | 'end'}

/** The files of one project's session, all in `.naaccord/` beside the config. */
export interface SessionPaths {
  dir: string
  lock: string
  state: string
  socket: string
  logs: string
}

export function sessionPaths(stateDir: string): SessionPaths {
  return {
    dir: stateDir,
    lock: path.join(stateDir, 'session.lock'),
    state: path.join(stateDir, 'state.json'),
    // Unix socket paths are limited to ~107 bytes; the session code falls back to a short path in the
    // temp dir when this one is too long, and records the real one in state.json / the lock.
    socket: path.join(stateDir, 'control.sock'),
    logs: path.join(stateDir, 'logs'),
  }
}
