/** Listening and closing for both built-in servers: bind, report the real port, and shut down without hanging. */
import type {Server} from 'node:http'

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
