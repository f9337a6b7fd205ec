/**
 * Small HTTP helpers shared by both built-in servers: JSON answers, the empty 405, draining a body we will not
 * read, and reading a small JSON body. node:http only: the servers must start fast.
 */
import type {IncomingMessage, ServerResponse} from 'node:http'

/** An error that becomes an HTTP answer: `{"error": message}` with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendAnswer(res, status, {...headers, 'Content-Type': 'application/json'}, JSON.stringify(body))
}

/** How much of an unread request body is read and thrown away after an early answer, and for how long at most. */
export const DRAIN_LIMIT = 64 * 1024 * 1024
export const DRAIN_MS = 30_000

/**
 * Sends a whole answer. When the request body was not read to its end (an answer before the body: 405, 403, 404,
 * 413, a malformed form), closing the socket at once would leave the client's unsent bytes to arrive at a closed
 * socket: the kernel answers them with a reset, which discards our answer before the client reads it (curl: 000;
 * a relaying web server: EPIPE). So the answer goes out at once with `Connection: close`, the rest of the body is
 * read and dropped (up to DRAIN_LIMIT bytes or DRAIN_MS), and only then does the response end and the socket close.
 */
export function sendAnswer(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  const req = res.req
  const early = req !== undefined && !req.complete && !req.destroyed
  res.writeHead(status, {
    ...headers,
    'Content-Length': String(Buffer.byteLength(body)),
    ...(early ? {Connection: 'close'} : {}),
  })
  if (!early) {
    res.end(body)
    return
  }
  res.write(body)
  finishAfterDrain(req, res)
}

/** Ends `res` once `req`'s body has been read to its end, or DRAIN_LIMIT bytes or DRAIN_MS have passed (sendAnswer). */
export function finishAfterDrain(req: IncomingMessage, res: ServerResponse): void {
  let drained = 0
  let timer: NodeJS.Timeout | undefined
  const finish = () => {
    clearTimeout(timer)
    req.off('data', count)
    req.off('end', finish)
    req.off('close', finish)
    if (!res.writableEnded) res.end()
  }
  const count = (chunk: Buffer) => {
    drained += chunk.length
    if (drained > DRAIN_LIMIT) finish()
  }
  if (req.complete || req.destroyed) {
    finish()
    return
  }
  timer = setTimeout(finish, DRAIN_MS)
  timer.unref()
  req.unpipe()
  req.on('data', count)
  req.once('end', finish)
  req.once('close', finish)
  req.resume()
}

/** 405 with an Allow header and an empty body, as Django's require_http_methods answers. */
export function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  sendAnswer(res, 405, {Allow: allow}, '')
}

/**
 * A whole request body, refused with 413 past `limit` bytes (for the small bodies read whole). The request is
 * paused, not destroyed, so that the 413 reaches the client (sendAnswer reads the rest).
 */
export function readBodyCapped(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (error?: Error) => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', done)
      req.off('close', onClose)
      if (error) reject(error)
      else resolve(Buffer.concat(chunks, size))
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      req.pause()
      done(new HttpError(413, `Request body is larger than ${limit} bytes`))
    }
    const onEnd = () => done()
    const onClose = () => {
      if (!req.complete) done(new Error('the client went away mid-request'))
    }
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('error', done)
    req.once('close', onClose)
  })
}

/** Reads a JSON object body of at most `limit` bytes; an empty body is `{}`. */
export async function readJsonObject(req: IncomingMessage, limit = 1024 * 1024): Promise<Record<string, unknown>> {
  const text = (await readBodyCapped(req, limit)).toString('utf8').trim()
  if (text === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HttpError(400, 'Invalid JSON body')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'Invalid JSON body: expected an object')
  }
  return value as Record<string, unknown>
}

/** A boolean-ish query, form or JSON field as the depot reads it: true when `value.lower() == 'true'` (or JSON true). */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true')
}

/** A client's value in an error message: quoted, cut short past 80 characters (a 10k-character name is not echoed). */
export function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
}

/**
 * An unexpected error as a client may see it: a file-system error names only its call and code (its message holds
 * absolute server paths); any other message has the folders in `hide` replaced by `<storage>`.
 */
export function publicMessage(error: unknown, hide: readonly string[]): string {
  const e = error as NodeJS.ErrnoException
  if (typeof e?.code === 'string' && /^E[A-Z0-9]+$/.test(e.code))
    return `${e.syscall ?? 'file operation'} failed (${e.code})`
  let message = e instanceof Error ? e.message : String(error)
  for (const dir of hide) if (dir) message = message.split(dir).join('<storage>')
  return message
}

/** A string field from JSON or a form; a non-string value is refused naming the field. */
export function stringField(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  throw new HttpError(400, `Invalid ${field}: expected a string`)
}

/** Request ids travel in X-Request-ID so one upload can be followed across the web and services logs. */
export const REQUEST_ID_HEADER = 'x-request-id'

export function requestIdFrom(req: IncomingMessage, make: () => string): string {
  const given = req.headers[REQUEST_ID_HEADER]
  return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : make()
}
