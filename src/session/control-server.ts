/**
 * The supervisor's control socket: HTTP/1.1 over a Unix socket (routes in protocol.ts). Lines and events are
 * serialised only for clients that are attached; with none attached the log path costs nothing here.
 */
import {existsSync, rmSync} from 'node:fs'
import http from 'node:http'
import type {LogLine, SessionEvent, SessionStatus} from './protocol.js'

export interface SessionHost {
  status(): SessionStatus
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
 * Writes NDJSON. Under backpressure, log lines are dropped rather than buffered without bound (a stuck client
 * loses lines, the supervisor keeps its memory; the log files keep everything), and the client is told how
 * many it missed. State events (unit, status, shutdown) are small and never dropped: a view must not show a
 * dead process as ready.
 */
function ndjsonWriter(res: http.ServerResponse): (value: unknown, droppable?: boolean) => void {
  res.writeHead(200, {'content-type': 'application/x-ndjson', 'cache-control': 'no-store'})
  res.flushHeaders()
  let skipped = 0
  return (value, droppable = false) => {
    if (droppable && res.writableLength > 8 * 1024 * 1024) {
      skipped++
      return
    }
    if (skipped > 0 && droppable) {
      const unit =
        (value as {unit?: string; log?: {unit?: string}}).log?.unit ?? (value as {unit?: string}).unit ?? 'naaccord'
      const note = {
        unit,
        stream: 'system',
        line: `[naaccord] ${skipped} log lines skipped: this client fell behind (the log files have them)`,
        ts: Date.now(),
      }
      res.write(`${JSON.stringify('log' in (value as object) ? {type: 'log', log: note} : note)}\n`)
      skipped = 0
    }
    res.write(`${JSON.stringify(value)}\n`)
  }
}

export function serveControl(host: SessionHost, socketPath: string): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://session')
    const parts = url.pathname.split('/').filter(Boolean)
    try {
      if (req.method === 'GET' && url.pathname === '/status') return sendJson(res, 200, host.status())
      if (req.method === 'GET' && url.pathname === '/logs') {
        const names = (url.searchParams.get('names') ?? '').split(',').filter(Boolean)
        const tail = Number(url.searchParams.get('tail') ?? '200')
        const follow = url.searchParams.get('follow') === '1'
        const write = ndjsonWriter(res)
        const wanted = new Set(names)
        if (tail > 0) for (const line of host.tail(names, tail)) write(line)
        if (!follow) return res.end()
        const off = host.subscribe((event) => {
          if (event.type === 'log' && (wanted.size === 0 || wanted.has(event.log.unit))) write(event.log, true)
          if (event.type === 'shutdown' && event.phase === 'end') res.end()
        })
        res.on('close', off)
        return
      }
      if (req.method === 'GET' && url.pathname === '/events') {
        const write = ndjsonWriter(res)
        write({type: 'status', status: host.status()} satisfies SessionEvent)
        const off = host.subscribe((event) => {
          write(event, event.type === 'log')
          if (event.type === 'shutdown' && event.phase === 'end') res.end()
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
      resolve(server)
    })
  })
}
