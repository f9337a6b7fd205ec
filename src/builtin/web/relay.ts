/**
 * The internal routes on web: relayed to services with the key, streaming both ways, as the depot's web role does.
 * Services down: 502 naming its URL at once. Client gone mid-request: the relayed request is aborted, so services
 * discards the partial upload.
 */
import type {IncomingHttpHeaders, OutgoingHttpHeaders} from 'node:http'
import {pipeline} from 'node:stream/promises'
import {finishAfterDrain, sendJson} from '../http-util.js'
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
    let answered = false
    up.on('error', (error) => {
      req.unpipe(up)
      // Services answered before reading the whole body (413, 400…) and then closed: its answer stands.
      if (answered) return
      if (res.headersSent) {
        res.destroy()
        return
      }
      const message = services.describe(error)
      log.warn(rid, `${message}; answering 502`)
      sendJson(res, 502, {error: message, services_url: services.origin})
    })
    up.on('response', (answer) => {
      answered = true
      // Whatever services answered is relayed, also when it answered before the client finished sending: then
      // the answer goes out at once and the connection closes once the client's body was read (sendAnswer).
      const early = !req.complete
      res.writeHead(answer.statusCode ?? 502, {
        ...pick(answer.headers, FORWARD_RESPONSE),
        ...(early ? {connection: 'close'} : {}),
      })
      if (!early) {
        pipeline(answer, res).catch(() => res.destroy())
        return
      }
      answer.on('data', (chunk: Buffer) => res.write(chunk))
      answer.once('end', () => {
        up.destroy() // services has said its word: it need not wait for the rest
        finishAfterDrain(req, res)
      })
      answer.once('error', () => res.destroy())
    })
    req.pipe(up)
  })
}
