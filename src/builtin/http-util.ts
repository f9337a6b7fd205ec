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
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  })
  res.end(text)
}

/**
 * Answers before the request body was read (405, 403, 404, 502). The body is drained rather than left unread, so
 * the client finishes sending and reads the answer instead of hitting a reset; the connection then closes.
 */
export function drainAndClose(req: IncomingMessage, res: ServerResponse): void {
  if (!req.complete) {
    res.setHeader('Connection', 'close')
    req.resume()
  }
}

/** 405 with an Allow header and an empty body, as Django's require_http_methods answers. */
export function sendMethodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  drainAndClose(req, res)
  res.writeHead(405, {Allow: allow, 'Content-Length': '0'})
  res.end()
}

/** Reads a JSON object body of at most `limit` bytes; an empty body is `{}`. */
/** A whole request body, refused with 413 past `limit` bytes (for the small bodies read whole). */
export async function readBodyCapped(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new HttpError(413, `Request body is larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

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
