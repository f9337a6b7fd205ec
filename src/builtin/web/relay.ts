/**
 * The internal routes on web: relayed to services with the key, streaming both ways, as the depot's web role does.
 * Services down: 502 naming its URL at once. Client gone mid-request: the relayed request is aborted, so services
 * discards the partial upload.
 */
import type {IncomingHttpHeaders, OutgoingHttpHeaders} from 'node:http'
import {pipeline} from 'node:stream/promises'
import {drainAndClose, sendJson} from '../http-util.js'
import type {WebContext} from './context.js'

const FORWARD_REQUEST = ['content-type', 'content-length', 'transfer-encoding', 'accept']
const FORWARD_RESPONSE = ['content-type', 'content-length', 'content-disposition', 'allow', 'cache-control']

function pick(headers: IncomingHttpHeaders, names: string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const name of names) if (headers[name] !== undefined) out[name] = headers[name]
  return out
}

export function relay(ctx: WebContext, name: string): Promise<void> {
  const {req, res, url, rid, log, services} = ctx
  if (name === 'upload' || name === 'upload_chunked' || name === 'download') {
    log.info(rid, `Streaming to services server ${services.origin}/internal/storage/${name}`)
  }
  return new Promise((resolve) => {
    const up = services.request(req.method ?? 'GET', url.pathname + url.search, pick(req.headers, FORWARD_REQUEST), rid)
    const clientGone = () => {
      if (!res.writableFinished) up.destroy()
    }
    req.once('aborted', clientGone)
    res.once('close', () => {
      clientGone()
      resolve()
    })
    up.on('error', (error) => {
      req.unpipe(up)
      if (res.headersSent) {
        res.destroy()
        return
      }
      const message = services.describe(error)
      log.warn(rid, `${message}; answering 502`)
      drainAndClose(req, res)
      sendJson(res, 502, {error: message, services_url: services.origin})
    })
    up.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, pick(answer.headers, FORWARD_RESPONSE))
      pipeline(answer, res).catch(() => res.destroy())
    })
    req.pipe(up)
  })
}
