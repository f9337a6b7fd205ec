/**
 * The client side of the session: find the project's running session (clearing a stale one), and talk to its
 * control socket. Used by stop/status/logs/restart, the dashboard, doctor and test-streaming.
 */
import http from 'node:http'
import {isGroupRunning, isRunning} from '../util/proc.js'
import {ndjsonBatches} from './ndjson.js'
import type {ApiKeyReply, LogLine, SessionEvent, SessionStatus} from './protocol.js'
import {clearStaleSession, inspectSession} from './stale.js'

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
  if (files.present.length === 0) return undefined
  if (!files.live) {
    for (const line of await clearStaleSession(stateDir)) onNotice(line)
    return undefined
  }
  const status = (await getStatus(files.socketPath).catch(() => undefined)) ?? files.status
  return {socketPath: files.socketPath, supervisorPid: files.supervisorPid!, status}
}

function request(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 5000) {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(
      {
        socketPath,
        method,
        path,
        timeout: timeoutMs,
        headers: payload ? {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)} : {},
      },
      resolve,
    )
    req.on('timeout', () => req.destroy(new Error(`the session's control socket ${socketPath} did not answer`)))
    req.on('error', reject)
    req.end(payload)
  })
}

async function readJson<T>(res: http.IncomingMessage): Promise<T> {
  res.setEncoding('utf8')
  let text = ''
  for await (const chunk of res as AsyncIterable<string>) text += chunk
  return JSON.parse(text) as T
}

export async function getStatus(socketPath: string): Promise<SessionStatus> {
  const res = await request(socketPath, 'GET', '/status')
  return readJson<SessionStatus>(res)
}

/** The key the session's servers were given (GET /api-key); whole, so never print it unmasked. */
export async function getApiKey(socketPath: string): Promise<ApiKeyReply> {
  const res = await request(socketPath, 'GET', '/api-key', undefined, 2000)
  if (res.statusCode !== 200) {
    res.resume()
    throw new Error(`the session's control socket has no /api-key (status ${res.statusCode})`)
  }
  return readJson<ApiKeyReply>(res)
}

async function streamNdjson<T>(res: http.IncomingMessage, onItem: (item: T) => void): Promise<void> {
  try {
    for await (const batch of ndjsonBatches<T>(res)) for (const item of batch) onItem(item)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ECONNRESET' && code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'ABORT_ERR') throw error
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
  const res = await request(socketPath, 'GET', `/logs?${q}`, undefined, 0)
  opts.signal?.addEventListener('abort', () => res.destroy(), {once: true})
  await streamNdjson(res, onLine)
}

/** Every session event (a `status` first) until the session ends or `signal` aborts. */
export async function streamEvents(
  socketPath: string,
  onEvent: (event: SessionEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const res = await request(socketPath, 'GET', '/events', undefined, 0)
  signal?.addEventListener('abort', () => res.destroy(), {once: true})
  await streamNdjson(res, onEvent)
}

export async function unitAction(
  socketPath: string,
  name: string,
  action: 'restart' | 'stop' | 'start',
): Promise<{ok: boolean; error?: string}> {
  const res = await request(socketPath, 'POST', `/units/${encodeURIComponent(name)}/${action}`, {}, 120_000)
  return readJson(res)
}

/** Asks the supervisor to stop; resolves once it has begun. */
export async function shutdown(socketPath: string, opts: {timeoutMs?: number} = {}): Promise<{ok: boolean}> {
  const res = await request(socketPath, 'POST', '/shutdown', {timeoutMs: opts.timeoutMs})
  return readJson(res)
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
 * Stops the project's session from any process: asks the supervisor, waits for it to exit, then checks its
 * groups and ports itself. A supervisor that does not exit in time is killed and its leftovers are cleared.
 */
export async function stopSession(stateDir: string, opts: {timeoutMs?: number} = {}): Promise<StopResult> {
  const began = Date.now()
  const notices: string[] = []
  const files = inspectSession(stateDir)
  if (files.present.length > 0 && !files.live) {
    notices.push(...(await clearStaleSession(stateDir)))
    return {stopped: notices.length > 0, notices, problems: [], ms: Date.now() - began}
  }
  if (!files.live || !files.supervisorPid) return {stopped: false, notices, problems: [], ms: Date.now() - began}
  const pid = files.supervisorPid
  const status = (await getStatus(files.socketPath).catch(() => undefined)) ?? files.status
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
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
    await new Promise((r) => setTimeout(r, 50))
    notices.push(`the supervisor (pid ${pid}) did not exit in time: killed it`)
    notices.push(...(await clearStaleSession(stateDir, 0)))
  }
  const problems = (status?.units ?? []).flatMap((u) =>
    u.pgid && isGroupRunning(u.pgid) ? [`${u.name}: process group ${u.pgid} is still alive`] : [],
  )
  return {stopped: true, notices, problems, ms: Date.now() - began}
}

function isAlive(pid: number): boolean {
  return isRunning(pid)
}
