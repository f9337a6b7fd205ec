/**
 * A SessionSource over the session's control socket (HTTP/1.1 on a Unix socket, see session/protocol.ts).
 * Kept to what the dashboard needs: NDJSON streams read line by line, and small JSON POSTs.
 */
import http from 'node:http'
import {ndjsonBatches} from '../session/ndjson.js'
import type {LogLine, SessionEvent, SessionStatus} from '../session/protocol.js'
import type {ActionResult, SessionSource, UnitAction} from './source.js'

function request(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers: payload ? {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)} : {},
      },
      resolve,
    )
    // Stays attached for the life of the request: an error after the response (the session going away) is
    // ignored here and surfaces through the response stream instead.
    req.on('error', reject)
    // Aborting destroys the request quietly (http.request's own `signal` emits an AbortError on the socket, which
    // nobody may be listening to by then).
    if (signal) {
      if (signal.aborted) req.destroy()
      else signal.addEventListener('abort', () => req.destroy(), {once: true})
    }
    req.end(payload)
  })
}

async function readJson(res: http.IncomingMessage): Promise<unknown> {
  res.setEncoding('utf8')
  let text = ''
  for await (const chunk of res as AsyncIterable<string>) text += chunk
  return text ? JSON.parse(text) : {}
}

export class SocketSource implements SessionSource {
  constructor(readonly socketPath: string) {}

  async *events(signal: AbortSignal): AsyncIterable<SessionEvent[]> {
    const res = await request(this.socketPath, 'GET', '/events', undefined, signal)
    if (res.statusCode !== 200) throw new Error(`GET /events on ${this.socketPath} answered ${res.statusCode}`)
    try {
      yield* ndjsonBatches<SessionEvent>(res)
    } catch (error) {
      // The session going away (or our own abort) ends the stream; anything else is an error worth showing.
      const code = (error as NodeJS.ErrnoException).code
      if (signal.aborted || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') return
      throw error
    }
  }

  async status(): Promise<SessionStatus> {
    const res = await request(this.socketPath, 'GET', '/status')
    if (res.statusCode !== 200) {
      res.resume()
      throw new Error(`GET /status on ${this.socketPath} answered ${res.statusCode}`)
    }
    return (await readJson(res)) as SessionStatus
  }

  async tail(lines: number, signal: AbortSignal, units?: string[]): Promise<LogLine[]> {
    const names = units?.length ? `&names=${units.map(encodeURIComponent).join(',')}` : ''
    const res = await request(this.socketPath, 'GET', `/logs?tail=${lines}${names}`, undefined, signal)
    if (res.statusCode !== 200) {
      res.resume()
      return []
    }
    const out: LogLine[] = []
    for await (const batch of ndjsonBatches<LogLine>(res)) for (const line of batch) out.push(line)
    return out
  }

  async unitAction(name: string, action: UnitAction): Promise<ActionResult> {
    const res = await request(this.socketPath, 'POST', `/units/${encodeURIComponent(name)}/${action}`, {})
    return (await readJson(res)) as ActionResult
  }

  async shutdown(timeoutMs?: number): Promise<ActionResult> {
    const res = await request(this.socketPath, 'POST', '/shutdown', timeoutMs === undefined ? {} : {timeoutMs})
    return (await readJson(res)) as ActionResult
  }
}
