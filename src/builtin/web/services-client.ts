/**
 * How web talks to services: one keep-alive agent, the shared key on every call, the request id passed on, and a
 * connect timeout so that a services server that is down or unreachable is known within a second (the depot's
 * client retries for about 18 s instead).
 */
import http, {type IncomingMessage, type OutgoingHttpHeaders} from 'node:http'
import {REQUEST_ID_HEADER} from '../http-util.js'

export class ServicesClient {
  private readonly agent = new http.Agent({keepAlive: true})

  constructor(
    readonly origin: string,
    private readonly apiKey: string | undefined,
    readonly connectTimeoutMs = 800,
  ) {}

  /** A request to services; the caller writes the body and listens for 'response' and 'error'. */
  request(method: string, pathAndQuery: string, headers: OutgoingHttpHeaders, rid: string): http.ClientRequest {
    const url = new URL(pathAndQuery, this.origin)
    const out = http.request(url, {
      method,
      agent: this.agent,
      headers: {...headers, ...(this.apiKey ? {'X-API-Key': this.apiKey} : {}), [REQUEST_ID_HEADER]: rid},
    })
    out.on('socket', (socket) => {
      if (!socket.connecting) return
      const timer = setTimeout(() => {
        const error = new Error(`no connection within ${this.connectTimeoutMs}ms`) as NodeJS.ErrnoException
        error.code = 'ETIMEDOUT'
        out.destroy(error)
      }, this.connectTimeoutMs)
      socket.once('connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
    return out
  }

  /** GET a JSON answer (health), giving up after timeoutMs in all. */
  getJson(pathAndQuery: string, rid: string, timeoutMs = 5000): Promise<{status: number; body: unknown}> {
    return new Promise((resolve, reject) => {
      const out = this.request('GET', pathAndQuery, {accept: 'application/json'}, rid)
      const timer = setTimeout(() => out.destroy(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs)
      out.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      out.on('response', (res) => {
        readBody(res, 1024 * 1024).then(
          (text) => {
            clearTimeout(timer)
            let body: unknown
            try {
              body = JSON.parse(text)
            } catch {
              body = text
            }
            resolve({status: res.statusCode ?? 0, body})
          },
          (error) => {
            clearTimeout(timer)
            reject(error)
          },
        )
      })
      out.end()
    })
  }

  /** `services server at http://…:8001 is not answering (ECONNREFUSED)`: what a 502 says. */
  describe(error: unknown): string {
    const e = error as NodeJS.ErrnoException
    return `services server at ${this.origin} is not answering (${e.code ?? e.message})`
  }

  close(): void {
    this.agent.destroy()
  }
}

export async function readBody(res: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new Error(`answer larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
