/**
 * The supervisor's control socket: HTTP/1.1 over a Unix socket (routes in protocol.ts). Lines and events are
 * serialised only for clients that are attached; with none attached the log path costs nothing here.
 */
import {chmodSync, existsSync, rmSync} from 'node:fs'
import http from 'node:http'
import {TurnWriter} from '../util/turn-writer.js'
import type {ApiKeyReply, LogLine, SessionEvent, SessionStatus} from './protocol.js'

export interface SessionHost {
  status(): SessionStatus
  /** The key the session's servers were given (whole: only for clients that need it to call them). */
  apiKey(): string | undefined
  tail(names: string[], lines: number): LogLine[]
  /** Adds a listener for every event; returns the function that removes it. */
  subscribe(listener: (event: SessionEvent) => void): () => void
  unitAction(name: string, action: 'restart' | 'stop' | 'start'): Promise<void>
  shutdown(timeoutMs?: number): void
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      text += chunk
    })
    req.on('end', () => {
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {})
      } catch {
        resolve({})
      }
    })
  })
}

/**
 * How far behind a client may fall (bytes it has not read yet) before its log lines are dropped, and how many of
 * the latest lines per unit it gets again once it has caught up. `logs -f` keeps more; a dashboard, which shows
 * a screenful, is kept close to the present: until it has caught up, a pane selected meanwhile shows nothing new.
 * With four floods on two cores, reading an 8 MiB backlog took it seconds, a 1 MiB one 0.6–0.9 s, a 256 KiB one
 * about 0.3 s (the socket's own buffer, ~200 KiB, comes on top).
 */
export const BEHIND = {
  logs: {bytes: 8 * 1024 * 1024, catchUpLines: 1000},
  events: {bytes: 256 * 1024, catchUpLines: 100},
}

/**
 * Writes NDJSON. Under backpressure, log lines are dropped rather than buffered without bound (a stuck client
 * loses lines, the supervisor keeps its memory; the log files keep everything). State events (unit, status,
 * shutdown) are small and never dropped: a view must not show a dead process as ready.
 *
 * Once a client falls behind, every log line is dropped until it has read all it was sent ('drain'). Then it
 * is told how many lines of each unit it missed, and gets the latest of them again from the session's memory:
 * a view that follows shows the present, not the moment it fell behind (a flood that ends while a dashboard
 * is behind would otherwise leave it showing stale lines, with nothing new coming to replace them).
 */
function ndjsonWriter(
  res: http.ServerResponse,
  host: SessionHost,
  wrap: (line: LogLine) => unknown,
  limits: {bytes: number; catchUpLines: number},
): {write: (value: unknown) => void; log: (line: LogLine) => void; end: () => void} {
  res.writeHead(200, {'content-type': 'application/x-ndjson', 'cache-control': 'no-store'})
  res.flushHeaders()
  // Lines written in one turn of the event loop (a pipe read brings hundreds under a flood) go out as one write:
  // one HTTP chunk and one parse on the client instead of one per line.
  const batch = new TurnWriter<string>((parts) => {
    if (!res.writableEnded && !res.destroyed) res.write(parts.join(''))
  })
  const write = (value: unknown) => batch.write(`${JSON.stringify(value)}\n`)
  const end = () => {
    batch.flush()
    res.end()
  }
  res.on('close', () => batch.discard())
  const skipped = new Map<string, number>()
  let behind = false
  const catchUp = () => {
    behind = false
    const missed = [...skipped]
    skipped.clear()
    const resent: LogLine[] = []
    for (const [unit, count] of missed) {
      const again = host.tail([unit], Math.min(count, limits.catchUpLines))
      const lost = count - again.length
      write(
        wrap({
          unit,
          stream: 'system',
          line: `[naaccord] ${lost} log lines skipped: this client fell behind (the log files have them)${again.length ? `; the latest ${again.length} follow` : ''}`,
          ts: again[0]?.ts ?? Date.now(),
        }),
      )
      resent.push(...again)
    }
    resent.sort((a, b) => a.ts - b.ts)
    for (const line of resent) write(wrap(line))
  }
  const log = (line: LogLine) => {
    // What the socket holds plus this turn's batch (which, once over the bound, is written past the socket's
    // high-water mark, so 'drain' does come).
    if (!behind && res.writableLength + batch.held > limits.bytes) {
      behind = true
      res.once('drain', catchUp)
    }
    if (behind) {
      skipped.set(line.unit, (skipped.get(line.unit) ?? 0) + 1)
      return
    }
    write(wrap(line))
  }
  return {write, log, end}
}

export function serveControl(host: SessionHost, socketPath: string): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://session')
    const parts = url.pathname.split('/').filter(Boolean)
    try {
      if (req.method === 'GET' && url.pathname === '/status') return sendJson(res, 200, host.status())
      if (req.method === 'GET' && url.pathname === '/api-key')
        return sendJson(res, 200, {apiKey: host.apiKey()} satisfies ApiKeyReply)
      if (req.method === 'GET' && url.pathname === '/logs') {
        const names = (url.searchParams.get('names') ?? '').split(',').filter(Boolean)
        const tail = Number(url.searchParams.get('tail') ?? '200')
        const follow = url.searchParams.get('follow') === '1'
        const {write, log, end} = ndjsonWriter(res, host, (line) => line, BEHIND.logs)
        const wanted = new Set(names)
        if (tail > 0) for (const line of host.tail(names, tail)) write(line)
        if (!follow) return end()
        const off = host.subscribe((event) => {
          if (event.type === 'log' && (wanted.size === 0 || wanted.has(event.log.unit))) log(event.log)
          if (event.type === 'shutdown' && event.phase === 'end') end()
        })
        res.on('close', off)
        return
      }
      if (req.method === 'GET' && url.pathname === '/events') {
        const {write, log, end} = ndjsonWriter(
          res,
          host,
          (line) => ({type: 'log', log: line}) satisfies SessionEvent,
          BEHIND.events,
        )
        write({type: 'status', status: host.status()} satisfies SessionEvent)
        const off = host.subscribe((event) => {
          if (event.type === 'log') log(event.log)
          else write(event)
          if (event.type === 'shutdown' && event.phase === 'end') end()
        })
        res.on('close', off)
        return
      }
      if (req.method === 'POST' && parts[0] === 'units' && parts.length === 3) {
        const action = parts[2]
        if (action !== 'restart' && action !== 'stop' && action !== 'start') {
          return sendJson(res, 404, {ok: false, error: `unknown action ${action}`})
        }
        try {
          await host.unitAction(decodeURIComponent(parts[1]), action)
          return sendJson(res, 200, {ok: true})
        } catch (error) {
          return sendJson(res, 400, {ok: false, error: (error as Error).message})
        }
      }
      if (req.method === 'POST' && url.pathname === '/shutdown') {
        const body = await readBody(req)
        sendJson(res, 200, {ok: true})
        host.shutdown(typeof body.timeoutMs === 'number' ? body.timeoutMs : undefined)
        return
      }
      sendJson(res, 404, {ok: false, error: `no route ${req.method} ${url.pathname}`})
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, {ok: false, error: (error as Error).message})
      else res.end()
    }
  })
  if (existsSync(socketPath)) rmSync(socketPath, {force: true})
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, () => {
      server.off('error', reject)
      // The socket hands out the API key: the owner's only, wherever it lives (the temp-dir fallback too).
      try {
        chmodSync(socketPath, 0o600)
      } catch {}
      resolve(server)
    })
  })
}
