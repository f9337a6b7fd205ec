/**
 * What both built-in servers share: each request's start (request id, access log, URL), and listening and
 * closing: bind, report the real port, and shut down without hanging.
 */
import type {IncomingMessage, Server, ServerResponse} from 'node:http'
import {requestIdFrom} from './http-util.js'
import {type Logger, newRequestId} from './log.js'

export interface RunningServer {
  /** http://host:port as clients should use it. */
  url: string
  host: string
  port: number
  server: Server
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then cuts what is left. */
  close(graceMs?: number): Promise<void>
}

/**
 * How long an idle keep-alive connection stays open. Longer than clients keep theirs (undici 4 s, the web role's
 * agent, requests' pools), so a client never reuses a connection the server is closing at that moment (ECONNRESET).
 */
export const KEEP_ALIVE_MS = 65_000

/** Every request's first steps on either server: its id (the caller's, or a new one), the access log, its URL. */
export function beginRequest(
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  base: string,
): {rid: string; url: URL} {
  // A client that drops the connection makes the request emit 'error' (ECONNRESET). Every handler notices
  // that through its own stream plumbing or the 'aborted' event; this listener keeps a stray one from crashing.
  req.on('error', () => {})
  const rid = requestIdFrom(req, newRequestId)
  res.setHeader('X-Request-ID', rid)
  log.access(req, res, rid)
  return {rid, url: new URL(req.url ?? '/', base)}
}

export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

export async function listen(server: Server, host: string, port: number): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  const actual = typeof address === 'object' && address ? address.port : port
  return {
    url: `http://${urlHost(host)}:${actual}`,
    host,
    port: actual,
    server,
    close: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs)
        timer.unref()
        server.close(() => {
          clearTimeout(timer)
          resolve()
        })
        server.closeIdleConnections()
      }),
  }
}
