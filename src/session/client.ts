/**
 * The one client of the session's control socket (HTTP/1.1 on a Unix socket, routes in protocol.ts), and the one
 * way to find the project's session: none, running, or stale (left by a supervisor that is gone). Used by
 * stop/status/logs/restart, the dashboard (socket-source.ts), doctor and test-streaming.
 *
 * Kept cheap to import (node:http and small session modules only): the CLI's fast path loads it for every
 * `status`, `logs`, `stop` and `restart`.
 */
import http from 'node:http'
import {SESSION_ENV, sessionMarker} from '../util/group-stop.js'
import {findPortHolder} from '../util/ports.js'
import {isGroupRunning, isRunning, liveGroup} from '../util/proc.js'
import {readEnviron} from '../util/procfs.js'
import {atMost, sleep} from '../util/sleep.js'
import {ndjsonBatches} from './ndjson.js'
import {
  type ApiKeyReply,
  type LogLine,
  type SessionEvent,
  type SessionPaths,
  type SessionStatus,
  sessionPaths,
  type UnitState,
  type UnitStatus,
} from './protocol.js'
import {clearStaleSession, inspectSession} from './stale.js'

// ---- requests ----------------------------------------------------------------------------------------------------

export interface RequestOptions {
  body?: unknown
  /** Gives up when the socket is idle this long (0: never, for streams). */
  timeoutMs?: number
  /** Aborting destroys the request (and its response) quietly. */
  signal?: AbortSignal
}

/** One request on the control socket; resolves with the response once its head has arrived. */
export function request(
  socketPath: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body)
    const req = http.request(
      {
        socketPath,
        method,
        path,
        timeout: opts.timeoutMs ?? 5000,
        headers: payload ? {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)} : {},
      },
      resolve,
    )
    req.on('timeout', () =>
      req.destroy(new Error(`the session's control socket ${socketPath} did not answer ${method} ${path}`)),
    )
    // Stays attached for the life of the request: an error after the response (the session going away) is
    // ignored here and surfaces through the response stream instead.
    req.on('error', reject)
    // Not http.request's own `signal`: that emits an AbortError on the socket, which nobody may be listening to.
    const signal = opts.signal
    if (signal) {
      if (signal.aborted) req.destroy()
      else signal.addEventListener('abort', () => req.destroy(), {once: true})
    }
    req.end(payload)
  })
}

/** The response's JSON body ({} when empty). */
export async function readJson<T>(res: http.IncomingMessage): Promise<T> {
  res.setEncoding('utf8')
  let text = ''
  for await (const chunk of res as AsyncIterable<string>) text += chunk
  return (text ? JSON.parse(text) : {}) as T
}

/** A request whose answer must be 200: anything else is an error naming the route and the socket. */
async function expectOk(socketPath: string, method: string, path: string, opts: RequestOptions = {}) {
  const res = await request(socketPath, method, path, opts)
  if (res.statusCode !== 200) {
    res.resume()
    throw new Error(`${method} ${path} on ${socketPath} answered ${res.statusCode}`)
  }
  return res
}

/** The session going away (or our own abort) ends a stream; anything else is an error. */
function endsQuietly(error: unknown, signal?: AbortSignal): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return (
    signal?.aborted === true || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR'
  )
}

// ---- routes ------------------------------------------------------------------------------------------------------

export async function getStatus(socketPath: string, opts: {timeoutMs?: number} = {}): Promise<SessionStatus> {
  return readJson<SessionStatus>(await expectOk(socketPath, 'GET', '/status', opts))
}

/** The key the session's servers were given (GET /api-key); whole, so never print it unmasked. */
export async function getApiKey(socketPath: string): Promise<ApiKeyReply> {
  return readJson<ApiKeyReply>(await expectOk(socketPath, 'GET', '/api-key', {timeoutMs: 2000}))
}

/** Every session event, in batches as read (a `status` first), until the session ends or `signal` aborts. */
export async function* events(socketPath: string, signal?: AbortSignal): AsyncIterable<SessionEvent[]> {
  const res = await expectOk(socketPath, 'GET', '/events', {timeoutMs: 0, signal})
  try {
    yield* ndjsonBatches<SessionEvent>(res)
  } catch (error) {
    if (!endsQuietly(error, signal)) throw error
  } finally {
    res.destroy()
  }
}

/** Log lines: the last `tail` of each named unit (all when none), then live ones while `follow`. */
export async function streamLogs(
  socketPath: string,
  opts: {names?: string[]; tail?: number; follow?: boolean; signal?: AbortSignal},
  onLine: (line: LogLine) => void,
): Promise<void> {
  const q = new URLSearchParams({
    names: (opts.names ?? []).join(','),
    tail: String(opts.tail ?? 200),
    follow: opts.follow ? '1' : '0',
  })
  const res = await expectOk(socketPath, 'GET', `/logs?${q}`, {timeoutMs: 0, signal: opts.signal})
  try {
    for await (const batch of ndjsonBatches<LogLine>(res)) for (const item of batch) onLine(item)
  } catch (error) {
    if (!endsQuietly(error, opts.signal)) throw error
  }
}

/** Restarts, stops or starts one unit; resolves when the supervisor has done it (a restart: relaunched). */
export async function unitAction(
  socketPath: string,
  name: string,
  action: 'restart' | 'stop' | 'start',
): Promise<{ok: boolean; error?: string}> {
  const res = await request(socketPath, 'POST', `/units/${encodeURIComponent(name)}/${action}`, {
    body: {},
    timeoutMs: 120_000,
  })
  return readJson(res)
}

/** Asks the supervisor to stop; resolves once it has begun. */
export async function shutdown(socketPath: string, opts: {timeoutMs?: number} = {}): Promise<{ok: boolean}> {
  const res = await request(socketPath, 'POST', '/shutdown', {body: {timeoutMs: opts.timeoutMs}})
  return readJson(res)
}

/** States a unit does not leave by itself: a wait for it to settle ends there. */
export const SETTLED: readonly UnitState[] = ['ready', 'failed', 'exited', 'stopped']

/**
 * Waits on the event stream until unit `name` is in one of `until` (SETTLED by default), and returns its status
 * then. Throws, naming the unit and the state it was last in, when `deadline` (epoch ms, from `now`) passes first,
 * when the session ends, or when there is no such unit.
 */
export async function waitForUnit(
  socketPath: string,
  name: string,
  opts: {until?: readonly UnitState[]; deadline: number; now?: () => number; signal?: AbortSignal},
): Promise<UnitStatus> {
  const until = opts.until ?? SETTLED
  const now = opts.now ?? Date.now
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), Math.max(0, opts.deadline - now()))
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal
  let last: UnitStatus | undefined
  try {
    for await (const batch of events(socketPath, signal)) {
      for (const event of batch) {
        if (event.type === 'status') {
          last = event.status.units.find((u) => u.name === name)
          if (!last) throw new Error(`the session has no unit named ${name}`)
        } else if (event.type === 'unit' && event.unit.name === name) last = event.unit
        else continue
        if (until.includes(last.state)) return last
      }
    }
  } catch (error) {
    // Aborted before the stream's head arrived: said below, like an abort during the stream.
    if (!signal.aborted) throw error
  } finally {
    clearTimeout(timer)
  }
  const state = last ? `still ${last.state}${last.message ? ` (${last.message})` : ''}` : 'never reported'
  if (timeout.signal.aborted) throw new Error(`${name}: ${state} when the wait ran out; wanted ${until.join(' or ')}`)
  if (opts.signal?.aborted) throw new Error(`${name}: the wait was cancelled, ${state}`)
  throw new Error(`${name}: the session ended while waiting, ${state}`)
}

// ---- the project's session ---------------------------------------------------------------------------------------

export interface OrphanGroup {
  unit: string
  pgid: number
  pids: number[]
}

export interface SessionInfo {
  state: 'none' | 'running' | 'stale'
  paths: SessionPaths
  /** The control socket actually used (state.json or the lock may record a short fallback path). */
  socketPath: string
  /** From the control socket when it answers, otherwise from state.json. */
  status?: SessionStatus
  supervisorPid?: number
  /** Session files present on disk (lock, state.json, socket). */
  leftovers: string[]
  /** Running sessions only: whether the control socket answered GET /status (a hung supervisor does not). */
  socketAnswers?: boolean
  /** Stale sessions only: groups of this session's servers that still have live processes. */
  orphans: OrphanGroup[]
}

/**
 * The project's session, read-only (nothing is cleared): none, running (a live supervisor), or stale (session
 * files left by a supervisor that is gone, perhaps with orphaned server groups still running). "Stale" and
 * "orphan" are stale.ts's definitions, so doctor, start and stop agree. GET /status gets `statusTimeoutMs`: a hung
 * supervisor must not hold the caller up.
 */
export async function readSession(stateDir: string, opts: {statusTimeoutMs?: number} = {}): Promise<SessionInfo> {
  const files = inspectSession(stateDir)
  const info: SessionInfo = {
    state: 'none',
    paths: sessionPaths(stateDir),
    socketPath: files.socketPath,
    leftovers: files.present,
    orphans: [],
    status: files.status,
    supervisorPid: files.supervisorPid,
  }
  if (files.present.length === 0) return info
  if (files.live) {
    info.state = 'running'
    const live = files.present.includes(files.socketPath)
      ? await getStatus(files.socketPath, {timeoutMs: opts.statusTimeoutMs ?? 1500}).catch(() => undefined)
      : undefined
    info.socketAnswers = live !== undefined
    info.status = live ?? files.status
    return info
  }
  info.state = 'stale'
  for (const unit of files.status?.units ?? []) {
    const pgid = unit.pgid ?? unit.pid
    if (unit.kind !== 'server' || !pgid) continue
    const pids = liveGroup(pgid, unit.startedAt)
    if (pids.length > 0) info.orphans.push({unit: unit.name, pgid, pids})
  }
  return info
}

/**
 * Clears the project's session if it is stale (stops its orphaned groups, removes lock, state and socket, keeps
 * the logs). Re-reads the state first and never touches a running session. Returns what it did, a line each.
 */
export async function clearIfStale(stateDir: string): Promise<string[]> {
  const files = inspectSession(stateDir)
  if (files.live) return []
  return clearStaleSession(stateDir)
}

export interface RunningSessionInfo {
  socketPath: string
  supervisorPid: number
  /** From the control socket, or from state.json when the socket did not answer. */
  status: SessionStatus | undefined
}

/**
 * The running session of the project whose state folder is `stateDir`, or undefined. A stale session (its
 * supervisor is dead) is cleared first: orphans stopped, files removed; each thing done goes to `onNotice`.
 */
export async function findRunningSession(
  stateDir: string,
  onNotice: (line: string) => void = () => undefined,
): Promise<RunningSessionInfo | undefined> {
  const files = inspectSession(stateDir)
  if (!files.live) {
    for (const line of await clearStaleSession(stateDir)) onNotice(line)
    return undefined
  }
  const status = (await getStatus(files.socketPath).catch(() => undefined)) ?? files.status
  return {socketPath: files.socketPath, supervisorPid: files.supervisorPid!, status}
}

export interface StopResult {
  /** false when there was no session to stop. */
  stopped: boolean
  notices: string[]
  /** Groups still alive or ports still held afterwards, one line each. */
  problems: string[]
  ms: number
}

/**
 * Stops the project's session from any process: asks the supervisor, waits for it to exit, then clears what is
 * left itself: a process carrying the session's marker (a setsid grandchild, an orphan of a killed supervisor)
 * is stopped and named, and a port of `ports` still held by one of them is a problem, never "nothing left".
 * A supervisor that does not exit in time is killed and its leftovers are cleared.
 */
export async function stopSession(
  stateDir: string,
  opts: {timeoutMs?: number; ports?: number[]} = {},
): Promise<StopResult> {
  const began = Date.now()
  const notices: string[] = []
  const files = inspectSession(stateDir)
  if (!files.live || !files.supervisorPid) {
    // No live supervisor: stale files, or none at all; either way the marker finds its orphans.
    notices.push(...(await clearStaleSession(stateDir, opts.timeoutMs)))
    const problems = heldPorts(stateDir, opts.ports ?? [])
    return {stopped: notices.length > 0, notices, problems, ms: Date.now() - began}
  }
  const pid = files.supervisorPid
  // The live status and the subscription to the event stream are asked for together (two round trips at once).
  const statusing = getStatus(files.socketPath).catch(() => undefined)
  // What the supervisor had to SIGKILL, as it says on its event stream while it stops.
  const killed: string[] = []
  const listening = new AbortController()
  let subscribed: () => void = () => undefined
  const ready = new Promise<void>((resolve) => {
    subscribed = resolve
  })
  const watching = (async () => {
    for await (const batch of events(files.socketPath, listening.signal)) {
      subscribed()
      for (const event of batch)
        if (event.type === 'log' && event.log.stream === 'system' && event.log.line.includes('SIGKILL'))
          killed.push(`${event.log.unit}: ${event.log.line}`)
    }
  })().catch(() => undefined)
  // Subscribed, or at most a second of waiting for it (a timer left pending would keep the command alive a second
  // after it has said what it did).
  await atMost(Promise.race([ready, watching]), 1000)
  const status = (await statusing) ?? files.status
  const unitTimeout = Math.max(0, ...(status?.units ?? []).map(() => opts.timeoutMs ?? 10_000))
  try {
    await shutdown(files.socketPath, {timeoutMs: opts.timeoutMs})
  } catch {
    // The socket is gone or stuck: signal the supervisor instead (it stops the same way on SIGTERM).
    try {
      process.kill(pid, 'SIGTERM')
    } catch {}
  }
  // The supervisor stops units in dependency order, each within its timeout; allow for that, plus slack.
  const deadline = Date.now() + unitTimeout * Math.max(1, status?.units.length ?? 1) + 10_000
  while (isRunning(pid) && Date.now() < deadline) await sleep(10)
  listening.abort()
  if (isRunning(pid)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
    await sleep(50)
    notices.push(`the supervisor (pid ${pid}) did not exit in time: killed it`)
  }
  notices.push(...killed.map((k) => `had to kill ${k}`))
  notices.push(...(await clearStaleSession(stateDir, opts.timeoutMs)))
  const problems = (status?.units ?? []).flatMap((u) =>
    u.pgid && isGroupRunning(u.pgid) ? [`${u.name}: process group ${u.pgid} is still alive`] : [],
  )
  problems.push(...heldPorts(stateDir, opts.ports ?? []))
  return {stopped: true, notices, problems, ms: Date.now() - began}
}

/** The ports still held by a process of this session (one carrying its marker), one line each. */
function heldPorts(stateDir: string, ports: number[]): string[] {
  const marker = sessionMarker(stateDir)
  return ports.flatMap((port) => {
    const holder = findPortHolder(port)
    if (!holder || readEnviron(holder.pid)[SESSION_ENV] !== marker) return []
    return [`port ${port} is still held by pid ${holder.pid} (${holder.command}), a process of this session`]
  })
}
