/** Test helpers for the built-in servers: an in-process pair on free ports, and small clients for their routes. */
import {createHash, randomBytes} from 'node:crypto'
import {readdirSync, realpathSync, statSync} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {
  type RunningServicesServer,
  type RunningWebServer,
  startServicesServer,
  startWebServer,
} from '../../src/builtin/index.js'
import {mulberry32} from '../chaos/seed.js'
import {tempDir} from '../helpers/index.js'

export const KEY = 'test-key-0123456789abcdef'

export interface Pair {
  dir: string
  /** The storage root (storage/workspace). */
  root: string
  services: RunningServicesServer
  web: RunningWebServer
  servicesLog: string[]
  webLog: string[]
  close(): Promise<void>
}

export async function startPair(options: {key?: string; servicesKey?: string} = {}): Promise<Pair> {
  const t = tempDir('nac-srv-')
  const root = path.join(t.dir, 'storage', 'workspace')
  const servicesLog: string[] = []
  const webLog: string[] = []
  const services = await startServicesServer({
    port: 0,
    storageRoot: root,
    apiKey: options.servicesKey ?? options.key ?? KEY,
    log: (l) => servicesLog.push(l),
  })
  const web = await startWebServer({
    port: 0,
    servicesUrl: services.url,
    apiKey: options.key ?? KEY,
    log: (l) => webLog.push(l),
  })
  return {
    dir: t.dir,
    root,
    services,
    web,
    servicesLog,
    webLog,
    close: async () => {
      await web.close(200)
      await services.close(200)
      t.cleanup()
    },
  }
}

export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex')

export function randomData(size: number): Buffer {
  return randomBytes(size)
}

/** A client of the internal routes at one base URL (services directly, or web's relay). */
export function internal(base: string, key: string | undefined = KEY) {
  const headers = (extra: Record<string, string> = {}) => ({...(key ? {'X-API-Key': key} : {}), ...extra})
  const url = (route: string, query: Record<string, string> = {}) => {
    const u = new URL(`/internal/storage/${route}`, base)
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
    return u
  }
  return {
    url,
    async get(route: string, query: Record<string, string> = {}) {
      const res = await fetch(url(route, query), {headers: headers()})
      return {status: res.status, headers: res.headers, body: await json(res)}
    },
    async getRaw(route: string, query: Record<string, string> = {}) {
      const res = await fetch(url(route, query), {headers: headers()})
      return {status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer())}
    },
    async post(route: string, body: unknown) {
      const res = await fetch(url(route), {
        method: 'POST',
        headers: headers({'Content-Type': 'application/json'}),
        body: JSON.stringify(body),
      })
      return {status: res.status, headers: res.headers, body: await json(res)}
    },
    /** A multipart POST: string fields, and optionally a file part (name, bytes). */
    async form(route: string, fields: Record<string, string>, file?: {name: string; data: Uint8Array; type?: string}) {
      const fd = new FormData()
      for (const [k, v] of Object.entries(fields)) fd.set(k, v)
      if (file) fd.set(file.name, new Blob([file.data], {type: file.type ?? 'application/octet-stream'}), 'file')
      const res = await fetch(url(route), {method: 'POST', headers: headers(), body: fd})
      return {status: res.status, headers: res.headers, body: await json(res)}
    },
  }
}

// biome-ignore lint/suspicious/noExplicitAny: test JSON bodies are checked field by field
async function json(res: Response): Promise<any> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Posts a file to web's public /upload as a browser form would. */
export async function webUpload(base: string, data: Uint8Array, filename = 'data.bin') {
  const fd = new FormData()
  fd.set('file', new Blob([data]), filename)
  const res = await fetch(new URL('/upload', base), {method: 'POST', body: fd})
  return {status: res.status, body: await json(res)}
}

/** Every file and folder below `dir`, relative, sorted (symlinks listed, not followed). */
export function tree(dir: string): string[] {
  const out: string[] = []
  const visit = (d: string) => {
    for (const entry of readdirSync(d, {withFileTypes: true})) {
      const abs = path.join(d, entry.name)
      out.push(path.relative(dir, abs) + (entry.isDirectory() ? '/' : ''))
      if (entry.isDirectory()) visit(abs)
    }
  }
  visit(dir)
  return out.sort()
}

/** Files in temp/ that are not the (possibly empty) chunked staging folder. */
export function tempLeftovers(root: string): string[] {
  return tree(path.join(root, 'temp')).filter((p) => p !== 'chunked/')
}

export async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export function fileSize(file: string): number {
  return statSync(file).size
}

/** A multipart body built by hand, for requests cut off at a chosen byte. */
export function multipartBody(fields: Record<string, string>, file: {name: string; data: Buffer}) {
  const boundary = `----nactest${randomBytes(8).toString('hex')}`
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="file"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
  )
  parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`))
  return {body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}`}
}

/**
 * Sends the first `cut` bytes of a request body that claims to be longer, then drops the connection, the way a
 * client that dies mid-upload does. Resolves once the socket is gone.
 */
export function sendCutOff(url: string, headers: Record<string, string>, body: Buffer, cut: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {...headers, 'Content-Length': String(body.length)},
    })
    req.on('error', () => resolve())
    req.on('close', () => resolve())
    req.on('response', (res) => {
      res.resume()
      req.destroy()
    })
    req.flushHeaders()
    req.write(body.subarray(0, cut), () => {
      setTimeout(() => req.destroy(), 5)
    })
  })
}

/** A small deterministic PRNG: random offsets that can be replayed from the printed seed (the chaos suite's one). */
export const prng = mulberry32

export interface RawAnswer {
  /** undefined when no HTTP answer arrived (the connection was cut first). */
  status?: number
  headers: http.IncomingHttpHeaders
  text: string
  // biome-ignore lint/suspicious/noExplicitAny: test JSON bodies are checked field by field
  body: any
  /** The error that ended the exchange before an answer, if any (ECONNRESET, EPIPE…). */
  error?: string
}

/**
 * One request on a fresh connection, the whole body written at once, the way curl sends it: the answer (if one
 * arrives) is read even when the server answers before it read the whole body.
 */
export function rawRequest(
  url: string,
  options: {method?: string; headers?: Record<string, string>; body?: Buffer | string} = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body)
    const req = http.request(url, {
      method: options.method ?? 'POST',
      agent: false,
      headers: {...options.headers, ...(body ? {'Content-Length': String(body.length)} : {})},
    })
    let answered = false
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) resolve({headers: {}, text: '', body: undefined, error: error.code ?? error.message})
    })
    req.on('response', (res) => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      const done = (error?: string) => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed: unknown = text
        try {
          parsed = JSON.parse(text)
        } catch {}
        resolve({status: res.statusCode, headers: res.headers, text, body: parsed, error})
      }
      res.on('end', () => done())
      res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message))
    })
    req.end(body)
  })
}

/** Absolute server paths an error body must never show: the test's folder (storage root, temp/) and the OS temp dir. */
export function serverPathsIn(text: string, pair: Pair): string[] {
  const secrets = [pair.dir, realpathSync(pair.dir), pair.root, path.join(pair.root, 'temp'), `${os.tmpdir()}/`]
  return secrets.filter((s) => text.includes(s))
}

/**
 * Sends POST bodies on separate connections, all but their last bytes first, then every ending at once, so that
 * the server finishes receiving them at nearly the same moment (races between copies of one chunk).
 */
export function sendTogether(url: string, bodies: {body: Buffer; contentType: string}[]): Promise<RawAnswer[]> {
  const hold = 64
  const requests = bodies.map((b) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {'X-API-Key': KEY, 'Content-Type': b.contentType, 'Content-Length': String(b.body.length)},
    })
    const answer = new Promise<RawAnswer>((resolve) => {
      req.on('error', (e: NodeJS.ErrnoException) => resolve({headers: {}, text: '', body: undefined, error: e.code}))
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({status: res.statusCode, headers: res.headers, text, body: JSON.parse(text)})
        })
      })
    })
    const written = new Promise<void>((resolve) => req.write(b.body.subarray(0, b.body.length - hold), () => resolve()))
    return {req, answer, written, tail: b.body.subarray(b.body.length - hold)}
  })
  return Promise.all(requests.map((r) => r.written)).then(() => {
    for (const r of requests) r.req.end(r.tail)
    return Promise.all(requests.map((r) => r.answer))
  })
}
