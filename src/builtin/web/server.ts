/**
 * The built-in web server: the public upload page and /upload, a public /health, and the internal storage routes
 * relayed to services. It never writes a file: every body is piped straight through to services.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {makeKeyCheck} from '../auth.js'
import {publicMessage, sendJson, sendMethodNotAllowed} from '../http-util.js'
import {Logger, type LogSink, stdoutSink} from '../log.js'
import {internalRouteName, ROUTE_METHODS} from '../routes-table.js'
import {beginRequest, KEEP_ALIVE_MS, listen, type RunningServer} from '../server-util.js'
import type {WebContext} from './context.js'
import {internalHealth, publicHealth} from './health.js'
import {uploadPage} from './page.js'
import {relay} from './relay.js'
import {ServicesClient} from './services-client.js'
import {handleUpload} from './upload.js'

export interface WebServerOptions {
  host?: string
  /** 0 picks a free port (see the returned `port`). */
  port?: number
  /** services' origin, e.g. http://127.0.0.1:8001 (SERVICES_URL). */
  servicesUrl: string
  /** The shared key: checked on the internal routes, sent on every call to services. */
  apiKey?: string
  log?: LogSink
  /** How long a connection to services may take before web answers 502 (default 800 ms: the answer comes within a second). */
  connectTimeoutMs?: number
}

export interface RunningWebServer extends RunningServer {
  servicesUrl: string
}

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const log = new Logger(options.log ?? stdoutSink)
  const services = new ServicesClient(new URL(options.servicesUrl).origin, options.apiKey, options.connectTimeoutMs)
  const checkKey = makeKeyCheck(options.apiKey)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const {rid, url} = beginRequest(req, res, log, 'http://web.invalid')
    const ctx: WebContext = {req, res, url, rid, log, services}
    if (url.pathname === '/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendMethodNotAllowed(res, 'GET, HEAD')
      const html = uploadPage(services.origin)
      res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html)})
      res.end(req.method === 'HEAD' ? undefined : html)
      return
    }
    if (url.pathname === '/upload') {
      if (req.method !== 'POST') return sendMethodNotAllowed(res, 'POST')
      return handleUpload(ctx)
    }
    if (url.pathname === '/health') {
      if (req.method !== 'GET') return sendMethodNotAllowed(res, 'GET')
      return publicHealth(ctx)
    }
    const name = internalRouteName(url.pathname)
    if (!name) {
      sendJson(res, 404, {error: `Not found: ${url.pathname}`})
      return
    }
    const method = ROUTE_METHODS[name]
    if (req.method !== method) return sendMethodNotAllowed(res, method)
    const auth = checkKey(req)
    if (!auth.ok) {
      log.warn(rid, `Internal API: refused ${req.method} ${url.pathname}: ${auth.reason}`)
      sendJson(res, 403, {error: 'Forbidden: invalid or missing API key'})
      return
    }
    if (name === 'health' || name === 'status') return internalHealth(ctx)
    return relay(ctx, name)
  }

  const server = createServer(
    {requestTimeout: 0, keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1000},
    (req, res) => {
      handle(req, res).catch((error) => {
        log.warn(undefined, `internal error: ${(error as Error).message}`)
        if (!res.headersSent) sendJson(res, 500, {error: publicMessage(error, [process.cwd()])})
        else res.destroy()
      })
    },
  )
  const running = await listen(server, options.host ?? '127.0.0.1', options.port ?? 8000)
  return {
    ...running,
    servicesUrl: services.origin,
    close: async (graceMs?: number) => {
      await running.close(graceMs)
      services.close()
    },
  }
}
