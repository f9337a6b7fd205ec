/**
 * POST /upload, the public form's target. Web does not parse the browser's body: it sends services a few form
 * fields of its own (path, disk, metadata) in the browser's own multipart boundary, then pipes the browser's body
 * through unchanged. Services' upload route reads the first `path` it sees (ours) and the file part named `file`
 * (the form's), so the bytes go from the browser's socket to services' socket and touch nothing on the way: no
 * disk, and almost no CPU (the body is parsed once, on services). The stored path, size and SHA-256 reported are the
 * ones services computed while the bytes streamed to its disk.
 */
import type {IncomingMessage} from 'node:http'
import {sendAnswer, sendJson} from '../http-util.js'
// Services' own reading of the boundary: web frames its fields in the boundary services will parse.
import {multipartBoundary} from '../services/multipart.js'
import type {WebContext} from './context.js'
import {fieldPart} from './multipart-writer.js'
import {errorPage, uploadResultPage} from './page.js'
import {readBody} from './services-client.js'

/** `web-uploads/2026-11-29/<request id>`: a fresh, safe place for every upload. */
export function storedPathFor(rid: string, now = new Date()): string {
  return `web-uploads/${now.toISOString().slice(0, 10)}/${rid}`
}

export function handleUpload(ctx: WebContext): Promise<void> {
  const {req, res, rid, log, services} = ctx
  const wantsHtml = /text\/html/.test(req.headers.accept ?? '')
  const answer = (status: number, body: Record<string, unknown>) => {
    if (res.headersSent) return
    if (!wantsHtml) return sendJson(res, status, body)
    const html = status === 200 ? uploadResultPage(body as never) : errorPage(status, String(body.error))
    sendAnswer(res, status, {'Content-Type': 'text/html; charset=utf-8'}, html)
  }

  const contentType = req.headers['content-type']
  const boundary = multipartBoundary(contentType)
  if (!boundary) {
    answer(400, {error: 'Expected a multipart/form-data body with a file part named "file"'})
    return Promise.resolve()
  }
  const declared = req.headers['content-length']
  if (declared !== undefined && !/^\d+$/.test(declared)) {
    answer(400, {error: 'Invalid Content-Length'})
    return Promise.resolve()
  }
  const storedPath = storedPathFor(rid)
  const prefix = Buffer.from(
    fieldPart(boundary, 'path', storedPath) +
      fieldPart(boundary, 'disk', 'uploads') +
      fieldPart(boundary, 'metadata', JSON.stringify({uploaded_via: 'naaccord web', request_id: rid})),
  )
  const up = services.request(
    'POST',
    '/internal/storage/upload',
    {
      'content-type': contentType,
      ...(declared !== undefined ? {'content-length': String(prefix.length + Number(declared))} : {}),
    },
    rid,
  )
  log.info(
    rid,
    `Streaming to services server ${services.origin}/internal/storage/upload as ${storedPath} (${declared ?? 'chunked'} bytes)`,
  )

  return new Promise((resolve) => {
    let clientGone = false
    req.once('aborted', () => {
      clientGone = true
      up.destroy()
      log.warn(rid, 'upload: the client went away mid-upload; the relayed request was aborted')
    })
    res.once('close', () => {
      if (!res.writableFinished) up.destroy()
      resolve()
    })
    let replied = false
    up.on('error', (error) => {
      req.unpipe(up)
      // Services answered before reading the whole body and then closed: its answer stands (read below).
      if (replied) return
      if (clientGone) return res.destroy()
      const message = services.describe(error)
      log.warn(rid, `${message}; answering 502`)
      answer(502, {error: message, services_url: services.origin})
    })
    up.on('response', (reply: IncomingMessage) => {
      replied = true
      readBody(reply, 1024 * 1024).then(
        (text) => {
          let body: Record<string, unknown> = {}
          try {
            body = JSON.parse(text)
          } catch {}
          if (reply.statusCode !== 200) {
            answer(reply.statusCode ?? 502, {error: String(body.error ?? `services answered ${reply.statusCode}`)})
            return
          }
          answer(200, {success: true, path: storedPath, size: body.size, sha256: body.sha256 ?? null, request_id: rid})
        },
        () =>
          answer(502, {error: `services at ${services.origin} broke off its answer`, services_url: services.origin}),
      )
    })
    up.write(prefix)
    req.pipe(up)
  })
}
