/**
 * An HTTP client for one server's /internal/storage/* routes (got 14): every call carries the key unless a check
 * asks otherwise, never retries (a smoke test must see the first answer), never throws on a status, and can log
 * each exchange with the key masked (--verbose).
 */
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import got, {type CancelableRequest, type Headers, type OptionsInit, type Response} from 'got'
import {maskSecret, maskSecretsIn} from '../util/mask.js'
import {HashingStream} from './generate.js'
import type {MultipartBody} from './multipart.js'

export interface TlsOptions {
  /** PEM contents (not paths). */
  ca?: string
  cert?: string
  key?: string
  /** Accept any server certificate (warned about by the command). */
  insecure?: boolean
}

export interface ClientOptions {
  role: 'web' | 'services'
  /** Origin, e.g. http://127.0.0.1:8001 (a path part is ignored). */
  baseUrl: string
  apiKey?: string
  /** The key's header; X-API-Key by default. */
  header?: string
  tls?: TlsOptions
  /** Receives one line per request and per answer (verbose mode). */
  log?: (line: string) => void
}

export interface HttpResult {
  status: number
  headers: Headers
  body: Buffer
  text: string
  /** The parsed body when it is JSON. */
  json: unknown
  ms: number
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  query?: Record<string, string>
  json?: unknown
  multipart?: MultipartBody
  /** `null` sends no key; a string sends that key instead of the configured one. */
  key?: string | null
  /** Send the key under this header instead (the seed's X-Internal-API-Key). */
  header?: string
  signal?: AbortSignal
  /** Bytes of the request body sent so far, as they go (for stall detection). */
  onUploadProgress?: (sent: number) => void
}

export interface DownloadResult {
  status: number
  headers: Headers
  sha256: string
  bytes: number
  /** The body as text when the answer was not 200 (for the report). */
  text?: string
  ms: number
}

/** A network-level failure (refused, reset, timed out, aborted), phrased for the report. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message)
    this.name = 'TransportError'
  }
}

const PREVIEW = 300

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
])

export class StorageClient {
  readonly role: 'web' | 'services'
  readonly origin: string
  readonly header: string
  private readonly apiKey?: string
  private readonly tls?: TlsOptions
  private readonly log?: (line: string) => void

  constructor(options: ClientOptions) {
    this.role = options.role
    this.origin = new URL(options.baseUrl).origin
    this.header = options.header ?? 'X-API-Key'
    this.apiKey = options.apiKey
    this.tls = options.tls
    this.log = options.log
  }

  url(route: string, query?: Record<string, string>): string {
    const url = new URL(`/internal/storage/${route}`, this.origin)
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v)
    return url.toString()
  }

  private options(opts: RequestOptions): {headers: Record<string, string>; got: OptionsInit} {
    const headers: Record<string, string> = {}
    const key = opts.key === null ? undefined : (opts.key ?? this.apiKey)
    if (key !== undefined) headers[opts.header ?? this.header] = key
    const init: OptionsInit = {
      method: opts.method ?? 'GET',
      headers,
      throwHttpErrors: false,
      retry: {limit: 0},
      followRedirect: false,
      decompress: true,
      signal: opts.signal,
      https: {
        certificateAuthority: this.tls?.ca,
        certificate: this.tls?.cert,
        key: this.tls?.key,
        rejectUnauthorized: !this.tls?.insecure,
      },
    }
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(opts.json)
    } else if (opts.multipart) {
      headers['content-type'] = opts.multipart.contentType
      headers['content-length'] = String(opts.multipart.length)
      init.body = opts.multipart.body
    }
    return {headers, got: init}
  }

  private mask(text: string): string {
    return maskSecretsIn(text, [this.apiKey])
  }

  private logRequest(method: string, url: string, headers: Record<string, string>, opts: RequestOptions): void {
    if (!this.log) return
    const shown = Object.entries(headers)
      .map(
        ([k, v]) =>
          `${k}: ${k.toLowerCase() === 'content-type' ? v.replace(/; boundary=.*/, '') : k.toLowerCase() === 'content-length' ? v : maskSecret(v)}`,
      )
      .join(', ')
    const body =
      opts.json !== undefined
        ? ` ${this.mask(JSON.stringify(opts.json))}`
        : opts.multipart
          ? ` (multipart ${opts.multipart.length} bytes: ${opts.multipart.summary})`
          : ''
    this.log(`→ ${this.role} ${method} ${url} [${shown || 'no key'}]${body}`)
  }

  private logAnswer(status: number, ms: number, preview: string): void {
    if (!this.log) return
    const text = preview.length > PREVIEW ? `${preview.slice(0, PREVIEW)}…` : preview
    this.log(`← ${this.role} ${status} in ${ms}ms ${this.mask(text.replace(/\s+/g, ' ').trim())}`)
  }

  async request(route: string, opts: RequestOptions = {}): Promise<HttpResult> {
    const url = this.url(route, opts.query)
    const {headers, got: init} = this.options(opts)
    this.logRequest(String(init.method), url, headers, opts)
    const started = performance.now()
    try {
      const pending = got(url, {...init, responseType: 'buffer'}) as CancelableRequest<Response<Buffer>>
      if (opts.onUploadProgress) {
        const report = opts.onUploadProgress
        pending.on('uploadProgress', (p: {transferred: number}) => report(p.transferred))
      }
      const res = await pending
      const ms = Math.round(performance.now() - started)
      const body = res.body as Buffer
      const text = body.toString('utf8')
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {}
      this.logAnswer(res.statusCode, ms, text)
      return {status: res.statusCode, headers: res.headers, body, text, json, ms}
    } catch (error) {
      throw this.transportError(error, url, Math.round(performance.now() - started))
    }
  }

  /** GET download, hashing the bytes as they arrive (never held in memory); `onProgress` gets the bytes so far. */
  async download(
    query: Record<string, string>,
    signal?: AbortSignal,
    onProgress?: (received: number) => void,
  ): Promise<DownloadResult> {
    const url = this.url('download', query)
    const {headers, got: init} = this.options({signal})
    this.logRequest('GET', url, headers, {})
    const started = performance.now()
    const hasher = new HashingStream()
    let status = 0
    let resHeaders: Headers = {}
    const errorBody: Buffer[] = []
    try {
      const stream = got.stream(url, {...init, method: 'GET'} as OptionsInit & {isStream: true})
      stream.on('response', (res: {statusCode: number; headers: Headers}) => {
        status = res.statusCode
        resHeaders = res.headers
      })
      if (onProgress) stream.on('downloadProgress', (p: {transferred: number}) => onProgress(p.transferred))
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          if (status !== 200 && errorBody.length < 64) errorBody.push(chunk)
          done()
        },
      })
      await pipeline(stream, hasher, sink)
    } catch (error) {
      throw this.transportError(error, url, Math.round(performance.now() - started))
    }
    const ms = Math.round(performance.now() - started)
    const text = status === 200 ? undefined : Buffer.concat(errorBody).toString('utf8')
    this.logAnswer(status, ms, text ?? `(${hasher.bytes} bytes, sha256 ${hasher.digest().slice(0, 16)}…)`)
    return {status, headers: resHeaders, sha256: hasher.digest(), bytes: hasher.bytes, text, ms}
  }

  private transportError(error: unknown, url: string, ms: number): TransportError {
    const e = error as Error & {code?: string}
    const code = e.code
    let message: string
    if (e.name === 'AbortError' || code === 'ERR_ABORTED' || code === 'ABORT_ERR') message = `aborted after ${ms}ms`
    else if (code === 'ECONNREFUSED')
      message = `connection refused by ${new URL(url).host} (is the ${this.role} server running?)`
    else if (code === 'ECONNRESET' || code === 'EPIPE')
      message = `connection reset by ${new URL(url).host} after ${ms}ms`
    else if (
      /certificate required|alert number 116/i.test(e.message) ||
      code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'
    )
      message = `${new URL(url).host} requires a client certificate: pass --cert and --key (mutual TLS)`
    else if (code && UNTRUSTED.has(code))
      message = `${e.message} (${code}): ${new URL(url).host}'s certificate is not trusted; pass --ca with the CA that signed it`
    else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      message = `${e.message}: use the host name the certificate was issued for`
    else message = `${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`
    this.log?.(`✗ ${this.role} ${url}: ${message}`)
    return new TransportError(message, code)
  }
}
