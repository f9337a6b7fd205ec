/**
 * POST /upload, the public form's target. The browser's multipart body is parsed with busboy and rebuilt, part by
 * part, as the body services' upload route expects (path, disk, content_type, metadata, then the file), written
 * straight into the relayed request: nothing touches this server's disk. The SHA-256 reported is the one services
 * computed from the bytes as they streamed to its disk (hashing here too would cost a third of web's CPU for no
 * gain: TCP already guards the hop); the size is checked on both sides.
 */
import type {IncomingMessage} from 'node:http'
import {Transform, Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import busboy from 'busboy'
import {drainAndClose, sendJson} from '../http-util.js'
import type {WebContext} from './context.js'
import {closing, fieldPart, fileHeader, newBoundary} from './multipart-writer.js'
import {errorPage, uploadResultPage} from './page.js'
import {readBody} from './services-client.js'

const HWM = 256 * 1024

/** `web-uploads/2026-11-29/<request id>-<file name>`: a fresh, safe place for every upload. */
export function storedPathFor(rid: string, filename: string, now = new Date()): string {
  const base = (filename.split(/[\\/]/).pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '')
  return `web-uploads/${now.toISOString().slice(0, 10)}/${rid}-${base.slice(-100) || 'upload'}`
}

export async function handleUpload(ctx: WebContext): Promise<void> {
  const {req, res, rid, log, services} = ctx
  const wantsHtml = /text\/html/.test(req.headers.accept ?? '')
  const answer = (status: number, body: Record<string, unknown>) => {
    if (res.headersSent) return
    drainAndClose(req, res)
    if (!wantsHtml) return sendJson(res, status, body)
    const html = status === 200 ? uploadResultPage(body as never) : errorPage(status, String(body.error))
    res.writeHead(status, {'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html)})
    res.end(html)
  }

  let parser: busboy.Busboy
  try {
    parser = busboy({headers: req.headers, highWaterMark: HWM, fileHwm: HWM, limits: {fieldSize: 64 * 1024}})
  } catch {
    answer(400, {error: 'Expected a multipart/form-data body with a file part named "file"'})
    return
  }

  const boundary = newBoundary()
  const up = services.request(
    'POST',
    '/internal/storage/upload',
    {'content-type': `multipart/form-data; boundary=${boundary}`},
    rid,
  )
  // Connect now: a services outage is answered within a second, before the body is read.
  up.flushHeaders()
  let upstreamFailed = false
  const upstreamAnswer = new Promise<IncomingMessage>((resolve, reject) => {
    up.once('response', resolve)
    up.once('error', reject)
  })
  upstreamAnswer.catch((error) => {
    upstreamFailed = true
    if (res.headersSent || clientGone) return
    const message = services.describe(error)
    log.warn(rid, `${message}; answering 502`)
    answer(502, {error: message, services_url: services.origin})
  })

  let clientGone = false
  let size = 0
  let storedPath: string | undefined
  let pump: Promise<void> | undefined

  // Bytes go to services unless it failed; then they are read and dropped so the client can finish and read the 502.
  const toServices = new Writable({
    highWaterMark: HWM,
    write(chunk: Buffer, _encoding, done) {
      if (upstreamFailed || up.destroyed) return done()
      if (up.write(chunk)) return done()
      const go = () => {
        up.off('drain', go)
        up.off('close', go)
        done()
      }
      up.on('drain', go)
      up.on('close', go)
    },
  })
  const count = new Transform({
    highWaterMark: HWM,
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length
      done(null, chunk)
    },
  })

  parser.on('file', (name, stream, info) => {
    // A part that is skipped has no other listener: an abort must not become an unhandled 'error'.
    stream.on('error', () => {})
    if (name !== 'file' || storedPath !== undefined || upstreamFailed) {
      stream.resume()
      return
    }
    storedPath = storedPathFor(rid, info.filename ?? '')
    log.info(
      rid,
      `Streaming to services server ${services.origin}/internal/storage/upload: ${JSON.stringify(info.filename ?? '')} as ${storedPath}`,
    )
    const metadata = {original_filename: info.filename ?? '', uploaded_via: 'naaccord web', request_id: rid}
    up.write(
      fieldPart(boundary, 'path', storedPath) +
        fieldPart(boundary, 'disk', 'uploads') +
        fieldPart(boundary, 'content_type', info.mimeType) +
        fieldPart(boundary, 'metadata', JSON.stringify(metadata)) +
        fileHeader(boundary, 'file', 'file', info.mimeType),
    )
    pump = pipeline(stream, count, toServices)
  })

  const parsed = new Promise<void>((resolve, reject) => {
    parser.once('close', resolve)
    parser.once('error', reject)
    req.once('aborted', () => {
      clientGone = true
      reject(new Error('the client went away mid-upload'))
    })
  })
  req.pipe(parser)
  try {
    await parsed
    await pump
  } catch (error) {
    up.destroy()
    if (clientGone) {
      log.warn(rid, 'upload: the client went away mid-upload; the relayed request was aborted')
      res.destroy()
      return
    }
    answer(400, {error: `Malformed multipart body: ${(error as Error).message}`})
    return
  }
  if (upstreamFailed) return
  if (storedPath === undefined) {
    up.destroy()
    answer(400, {error: 'File is required: the form must carry a file part named "file"'})
    return
  }
  up.end(closing(boundary))
  let reply: IncomingMessage
  try {
    reply = await upstreamAnswer
  } catch {
    return
  }
  const text = await readBody(reply, 1024 * 1024).catch(() => '')
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text)
  } catch {}
  if (reply.statusCode !== 200) {
    answer(reply.statusCode ?? 502, {error: String(body.error ?? `services answered ${reply.statusCode}`)})
    return
  }
  if (body.size !== size) {
    answer(502, {error: `services stored ${body.size} bytes, web sent ${size}`})
    return
  }
  answer(200, {success: true, path: storedPath, size, sha256: body.sha256 ?? null, request_id: rid})
}
