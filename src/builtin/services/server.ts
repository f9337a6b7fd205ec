/**
 * The built-in services server: the ten /internal/storage/* routes (plus `status`), over node:http, storing under
 * storage/workspace/. Method first (405, empty body), then the key (403), then the route; errors become
 * `{"error": …}` answers, never a hung connection.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import path from 'node:path'
import {makeKeyCheck} from '../auth.js'
import {HttpError, publicMessage, sendJson, sendMethodNotAllowed} from '../http-util.js'
import {Logger, type LogSink, stdoutSink} from '../log.js'
import {internalRouteName, ROUTE_METHODS} from '../routes-table.js'
import {beginRequest, KEEP_ALIVE_MS, listen, type RunningServer} from '../server-util.js'
import {Storage} from '../storage.js'
import {ClientGone, type RouteContext} from './context.js'
import {ROUTES} from './routes/index.js'

export interface ServicesServerOptions {
  host?: string
  /** 0 picks a free port (see the returned `port`). */
  port?: number
  /** The storage root (storage/workspace): uploads/, processed/, temp/ and the other disks live in it. */
  storageRoot: string
  /** The shared key; without one every internal call is refused with 403. */
  apiKey?: string
  log?: LogSink
}

export interface RunningServicesServer extends RunningServer {
  storage: Storage
}

function showPath(abs: string): string {
  const rel = path.relative(process.cwd(), abs)
  return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/')
}

export async function startServicesServer(options: ServicesServerOptions): Promise<RunningServicesServer> {
  const storage = new Storage(options.storageRoot)
  const log = new Logger(options.log ?? stdoutSink)
  const checkKey = makeKeyCheck(options.apiKey)
  /** Folders no error answer may name: the storage root (as given and resolved) and the working folder. */
  const hidden = [storage.root, path.dirname(storage.disk('uploads').realRoot), process.cwd()]

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const {rid, url} = beginRequest(req, res, log, 'http://services.invalid')
    const name = internalRouteName(url.pathname)
    if (!name) {
      sendJson(res, 404, {error: `Not found: ${url.pathname}`})
      return
    }
    const method = ROUTE_METHODS[name]
    if (req.method !== method) {
      sendMethodNotAllowed(res, method)
      return
    }
    const auth = checkKey(req)
    if (!auth.ok) {
      log.warn(rid, `Internal API: refused ${req.method} ${url.pathname}: ${auth.reason}`)
      sendJson(res, 403, {error: 'Forbidden: invalid or missing API key'})
      return
    }
    const ctx: RouteContext = {req, res, url, rid, storage, log, show: showPath}
    try {
      await ROUTES[name](ctx)
    } catch (error) {
      if (error instanceof ClientGone || (req.destroyed && !req.complete)) {
        log.warn(rid, `Internal API: ${name}: ${(error as Error).message}; the partial upload was discarded`)
        res.destroy()
        return
      }
      if (res.headersSent) {
        log.warn(rid, `Internal API: ${name} failed mid-answer: ${(error as Error).message}`)
        res.destroy()
        return
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, {error: error.message})
        return
      }
      // The log has the whole message; the client gets one without server paths.
      log.warn(rid, `Internal API: ${name} failed: ${(error as Error).message ?? String(error)}`)
      const message = publicMessage(error, hidden)
      sendJson(
        res,
        500,
        name === 'health' || name === 'status' ? {status: 'unhealthy', error: message} : {error: message},
      )
    }
  }

  // requestTimeout 0: a 2 GiB upload on a slow link must not be cut at Node's default 300 s.
  const server = createServer(
    {requestTimeout: 0, keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1000},
    (req, res) => {
      handle(req, res).catch((error) => {
        log.warn(undefined, `internal error: ${(error as Error).message}`)
        res.destroy()
      })
    },
  )
  const running = await listen(server, options.host ?? '127.0.0.1', options.port ?? 8001)
  return {...running, storage}
}
