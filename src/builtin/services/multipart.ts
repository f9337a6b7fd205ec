/**
 * A streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1.1) that finds boundaries with Node's native
 * `Buffer.prototype.indexOf`.
 *
 * Why not busboy: a CPU profile of a 512 MiB upload showed busboy's boundary search (streamsearch's Boyer-Moore-
 * Horspool in JavaScript, `sbmh.js` `feed`) costing ~0.8 CPU-seconds per GiB, the largest user-space cost after
 * SHA-256. Fed the same 256 MiB body in 64 KiB chunks, this parser used about half busboy's CPU (31 vs 63 ms for
 * random bytes, 69 vs 146 ms for CSV-like text; nearly all of ours is the native search itself). Everything else
 * here is small: a header block per part, a few bytes after each boundary, and the bookkeeping that keeps a file
 * part zero-copy and back-pressured.
 *
 * How it reads a body. The delimiter is `\r\n--boundary`; a CRLF is fed before the first byte so that a body
 * opening with `--boundary` needs no special case (the preamble before it is ignored). After a delimiter come
 * optional spaces/tabs (transport padding) and then CRLF (part headers follow, up to a blank line) or `--` (the
 * close delimiter: everything after it, the epilogue, is ignored). A delimiter directly followed by any other
 * byte is not a delimiter (`--boundaryX` only begins with the boundary), so those bytes stay in the part.
 *
 * File bytes go out as `subarray`s of the incoming chunks, never copied. The few bytes at a chunk's end that may
 * begin a delimiter completed by the next chunk are held back until that chunk decides: from the chunk's last CR
 * within its final delimiter-length bytes, and only if what follows it is a beginning of the delimiter. (A
 * boundary holds no CR, so a delimiter can begin only at a CR, and only the last one near the end can begin one
 * that is cut off.) They stay a view of their chunk unless the next chunk is too short to decide, when the
 * handful of bytes is copied together.
 *
 * Back-pressure: a file part is a Readable. When its buffer is full, the parser stops mid-chunk and holds the
 * write callback until the reader asks for more, so the request stops being read and memory stays flat however
 * large the upload.
 */
import {Readable, Writable} from 'node:stream'

const CR = 0x0d
const LF = 0x0a
const DASH = 0x2d
const SP = 0x20
const HT = 0x09
const HEADER_END = Buffer.from('\r\n\r\n')
const EMPTY: Buffer = Buffer.alloc(0)

export interface PartInfo {
  /** The Content-Disposition `name`. */
  name: string
  /**
   * The Content-Disposition `filename*` (RFC 5987) or else `filename`, without any folder part (old browsers sent
   * whole paths), as busboy gave it; undefined when the part has none.
   */
  filename: string | undefined
  /** The part's Content-Type, `type/subtype` lowercased; `text/plain` when it has none (RFC 7578 §4.4). */
  mimeType: string
  /** The Content-Type's charset parameter, lowercased, if any: how a text field's bytes are decoded. */
  charset: string | undefined
}

export interface MultipartLimits {
  /** Bytes of one text field's value. */
  fieldSize: number
  /** Text fields. */
  fields: number
  /** Parts of every kind. */
  parts: number
  /** Bytes of one part's header block, blank line included. */
  headerSize: number
}

export interface MultipartOptions {
  boundary: string
  /** Buffer size of the parser's writable side. */
  highWaterMark?: number
  /** Buffer size of each file part's stream. */
  fileHighWaterMark?: number
  limits?: Partial<MultipartLimits>
  /** Which parts are files (streamed) rather than text fields (collected). Default: `isFilePart`. */
  isFile?: (part: PartInfo) => boolean
  /** A text field, once its last byte has arrived. */
  onField?: (name: string, value: string, part: PartInfo) => void
  /**
   * A file part begins. Its bytes follow in `stream`, which must be read, or resumed to discard them: the parser
   * waits while it is full. Destroying it drops the rest of the part. It ends at the part's end; if the body is cut
   * off first, it is destroyed with the parser's error.
   */
  onFile?: (part: PartInfo, stream: Readable) => void
}

export const DEFAULT_LIMITS: MultipartLimits = {
  fieldSize: 1024 * 1024,
  fields: 100,
  parts: 1000,
  headerSize: 16 * 1024,
}

/** A body past one of the limits: not malformed, but too large (the server answers 413). */
export class MultipartLimitError extends Error {}

/** busboy's rule: a part with a filename, or typed application/octet-stream, is a file. */
export function isFilePart(part: PartInfo): boolean {
  return part.filename !== undefined || part.mimeType === 'application/octet-stream'
}

/**
 * The boundary of a `multipart/form-data` Content-Type, quoted or not; undefined when the type is another, or the
 * boundary is missing, empty, longer than RFC 2046's 70 characters, or holds anything but printable ASCII.
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  const parsed = contentType === undefined ? undefined : parseHeaderValue(contentType)
  if (parsed?.value.toLowerCase() !== 'multipart/form-data') return undefined
  const boundary = parsed.params.boundary
  if (boundary === undefined || boundary.length === 0 || boundary.length > 70) return undefined
  return /^[\x20-\x7e]+$/.test(boundary) ? boundary : undefined
}

/** What the body bytes of the current part are for. */
interface Part {
  info: PartInfo
  /** A file part's stream; undefined once it was destroyed by its reader (the rest is dropped). */
  stream?: PartStream
  /** A text field's value so far. */
  field?: Buffer[]
  fieldSize: number
}

enum State {
  /** Looking for a delimiter: in the preamble (no part yet) or in a part's body. */
  Body,
  /** Just after a delimiter: padding, then CRLF or `--`. */
  AfterDelimiter,
  /** Reading a part's header block. */
  Headers,
  /** After the close delimiter: the epilogue is ignored. */
  Done,
}

class PartStream extends Readable {
  constructor(
    highWaterMark: number | undefined,
    private readonly onRead: () => void,
    private readonly onDestroy: () => void,
  ) {
    super({highWaterMark})
  }

  override _read(): void {
    this.onRead()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.onDestroy()
    callback(error)
  }
}

export class MultipartParser extends Writable {
  private readonly delimiter: Buffer
  private readonly limits: MultipartLimits
  private readonly fileHighWaterMark: number | undefined
  private readonly isFile: (part: PartInfo) => boolean
  private readonly onField: MultipartOptions['onField']
  private readonly onFile: MultipartOptions['onFile']

  private state = State.Body
  /** The part being read; undefined in the preamble and for parts skipped (no name, not form-data). */
  private part: Part | undefined
  /** The end of the last chunk, when it may be the beginning of a delimiter (a subarray, or a small copy). */
  private held: Buffer | undefined = Buffer.from('\r\n')
  /** After a delimiter: a CR or a dash was seen, and whether padding was. */
  private sawCr = false
  private sawDash = false
  private sawPadding = false
  /** The header block so far, after the CRLF that ended the delimiter line (kept, so a blank line is found). */
  private readonly headerBuffer: Buffer
  private headerLength = 0
  private parts = 0
  private fields = 0

  /** The chunk being parsed, how far, and its write callback (held while a file stream is full). */
  private chunk = EMPTY
  private pos = 0
  private writeDone: ((error?: Error | null) => void) | undefined
  private paused = false
  private running = false

  constructor(options: MultipartOptions) {
    super({highWaterMark: options.highWaterMark})
    if (!/^[\x20-\x7e]{1,70}$/.test(options.boundary)) throw new Error('Invalid multipart boundary')
    this.delimiter = Buffer.from(`\r\n--${options.boundary}`, 'latin1')
    this.limits = {...DEFAULT_LIMITS, ...options.limits}
    this.fileHighWaterMark = options.fileHighWaterMark
    this.isFile = options.isFile ?? isFilePart
    this.onField = options.onField
    this.onFile = options.onFile
    this.headerBuffer = Buffer.allocUnsafe(2 + this.limits.headerSize)
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunk = chunk
    this.pos = 0
    this.writeDone = done
    this.run()
  }

  override _final(done: (error?: Error | null) => void): void {
    done(this.state === State.Done ? null : new Error('Unexpected end of form'))
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // As busboy: a parser torn down before the close delimiter reports the body as cut off.
    const reason = error ?? (this.state === State.Done ? null : new Error('Unexpected end of form'))
    const stream = this.part?.stream
    this.part = undefined
    this.held = undefined
    this.chunk = EMPTY
    this.writeDone = undefined
    if (stream && !stream.destroyed) stream.destroy(reason ?? undefined)
    done(reason)
  }

  /** Parses the current chunk until it is used up or a file stream is full; then releases the chunk. */
  private run(): void {
    // Re-entered from a file stream's _read or _destroy while a push is under way: the loop below goes on.
    if (this.running || this.destroyed) return
    this.running = true
    try {
      while (!this.paused && this.pos < this.chunk.length && !this.destroyed) {
        if (this.state === State.Body) this.body()
        else if (this.state === State.AfterDelimiter) this.afterDelimiter()
        else if (this.state === State.Headers) this.headers()
        else this.pos = this.chunk.length
      }
    } catch (error) {
      this.running = false
      this.release(error as Error)
      return
    }
    this.running = false
    if (!this.paused && this.pos >= this.chunk.length) this.release()
  }

  private release(error?: Error): void {
    const done = this.writeDone
    this.writeDone = undefined
    this.chunk = EMPTY
    this.pos = 0
    done?.(error)
  }

  /** Body bytes (or preamble): everything up to the next delimiter goes to the current part. */
  private body(): void {
    const chunk = this.chunk
    const delimiter = this.delimiter
    const end = chunk.length
    if (this.held) {
      const held = this.held
      const need = delimiter.length - held.length
      const n = Math.min(need, end - this.pos)
      const matches = chunk.compare(delimiter, held.length, held.length + n, this.pos, this.pos + n) === 0
      if (matches && this.pos + need >= end) {
        // Still only the beginning of a delimiter, or all of it without the byte that decides: wait for more.
        this.held = Buffer.concat([held, chunk.subarray(this.pos)])
        this.pos = end
        return
      }
      this.held = undefined
      if (matches && endsDelimiter(chunk[this.pos + need])) {
        this.pos += need
        this.delimiterFound()
        return
      }
      // Not a delimiter: the held bytes belong to the part. Their only CR is their first byte, so no delimiter
      // begins inside them, and the scan below (within this chunk) misses nothing.
      if (!this.deliver(held)) {
        this.paused = true
        return
      }
    }
    const start = this.pos
    for (let from = start; ; ) {
      const at = chunk.indexOf(delimiter, from)
      if (at === -1) break
      const after = at + delimiter.length
      if (after === end) {
        // The byte that says whether this is a delimiter is in the next chunk.
        this.held = chunk.subarray(at)
        this.pos = end
        if (!this.deliver(chunk.subarray(start, at))) this.paused = true
        return
      }
      if (endsDelimiter(chunk[after])) {
        // The part ends here, so a full stream needs no pause: its end is queued behind its data.
        this.deliver(chunk.subarray(start, at))
        this.pos = after
        this.delimiterFound()
        return
      }
      from = at + 1
    }
    // No delimiter in the chunk: hold back a beginning of one at its end, if any.
    let keep = end
    for (let i = end - 1; i >= start && i > end - delimiter.length; i--) {
      if (chunk[i] === CR) {
        if (delimiter.compare(chunk, i, end, 0, end - i) === 0) keep = i
        break
      }
    }
    if (keep < end) this.held = chunk.subarray(keep)
    this.pos = end
    if (!this.deliver(chunk.subarray(start, keep))) this.paused = true
  }

  /** Gives body bytes to the current part; false when its stream is full and the parser should wait. */
  private deliver(data: Buffer): boolean {
    const part = this.part
    if (!part || data.length === 0) return true
    if (part.field) {
      part.fieldSize += data.length
      if (part.fieldSize > this.limits.fieldSize) {
        throw new MultipartLimitError(
          `field ${JSON.stringify(part.info.name)} is larger than ${this.limits.fieldSize} bytes`,
        )
      }
      part.field.push(data)
      return true
    }
    const stream = part.stream
    if (!stream) return true
    // A reader that destroys its stream during the push has dropped the part (see onFileDestroyed).
    return stream.push(data) || stream.destroyed
  }

  /** The current part (or the preamble) has ended at a delimiter. */
  private delimiterFound(): void {
    const part = this.part
    this.part = undefined
    if (part?.field) {
      const charset = part.info.charset
      const encoding = charset && LATIN1.has(charset) ? 'latin1' : 'utf8'
      this.onField?.(part.info.name, Buffer.concat(part.field, part.fieldSize).toString(encoding), part.info)
    } else if (part?.stream && !part.stream.destroyed) {
      part.stream.push(null)
    }
    this.state = State.AfterDelimiter
    this.sawCr = false
    this.sawDash = false
    this.sawPadding = false
  }

  /** The rest of a delimiter line: padding, then CRLF (a part follows) or `--` (the close delimiter). */
  private afterDelimiter(): void {
    const chunk = this.chunk
    while (this.pos < chunk.length) {
      const byte = chunk[this.pos++]
      if (this.sawCr) {
        if (byte !== LF) throw new Error('a boundary line not ended by CRLF')
        if (++this.parts > this.limits.parts) throw new MultipartLimitError(`more than ${this.limits.parts} parts`)
        // Kept so that a part without headers (a blank line at once) is found like any other.
        this.headerBuffer[0] = CR
        this.headerBuffer[1] = LF
        this.headerLength = 2
        this.state = State.Headers
        return
      }
      if (this.sawDash) {
        if (byte !== DASH) throw new Error('a boundary followed by a single dash')
        this.state = State.Done
        this.pos = chunk.length
        return
      }
      if (byte === CR) this.sawCr = true
      else if (byte === DASH && !this.sawPadding) this.sawDash = true
      else if (byte === SP || byte === HT) this.sawPadding = true
      else throw new Error('unexpected bytes after a boundary')
    }
  }

  /** A part's header block, up to its blank line, gathered into one fixed buffer. */
  private headers(): void {
    const chunk = this.chunk
    const buffer = this.headerBuffer
    const before = this.headerLength
    const n = Math.min(buffer.length - before, chunk.length - this.pos)
    chunk.copy(buffer, before, this.pos, this.pos + n)
    this.headerLength += n
    const at = buffer.subarray(0, this.headerLength).indexOf(HEADER_END, Math.max(0, before - 3))
    if (at === -1) {
      if (this.headerLength === buffer.length) {
        throw new MultipartLimitError(`part headers larger than ${this.limits.headerSize} bytes`)
      }
      this.pos += n
      return
    }
    this.pos += at + HEADER_END.length - before
    this.state = State.Body
    this.beginPart(at === 0 ? '' : buffer.toString('utf8', 2, at))
  }

  private beginPart(headerBlock: string): void {
    const info = partInfo(parseHeaderBlock(headerBlock))
    if (!info) return // no form-data disposition or no name: skipped, as busboy skips it
    if (this.isFile(info)) {
      const stream: PartStream = new PartStream(
        this.fileHighWaterMark,
        () => this.onFileRead(stream),
        () => this.onFileDestroyed(stream),
      )
      this.part = {info, stream, fieldSize: 0}
      if (this.onFile) this.onFile(info, stream)
      else stream.resume()
      return
    }
    if (++this.fields > this.limits.fields) throw new MultipartLimitError(`more than ${this.limits.fields} fields`)
    this.part = {info, field: [], fieldSize: 0}
  }

  private onFileRead(stream: PartStream): void {
    if (!this.paused || this.part?.stream !== stream) return
    this.paused = false
    this.run()
  }

  /** The reader gave up on the file: the rest of the part is dropped, and the parse goes on if it waited. */
  private onFileDestroyed(stream: PartStream): void {
    if (this.part?.stream !== stream) return
    this.part.stream = undefined
    if (this.paused) {
      this.paused = false
      this.run()
    }
  }
}

/** The byte after `\r\n--boundary` that makes it a delimiter: padding, CR, or the dash of `--`. */
function endsDelimiter(byte: number): boolean {
  return byte === CR || byte === DASH || byte === SP || byte === HT
}

const LATIN1 = new Set(['latin1', 'iso-8859-1', 'iso8859-1', 'us-ascii', 'ascii', 'windows-1252', 'cp1252'])

/**
 * Header lines by lowercased name (the first of each). A line that is not `name: value`, or a value holding
 * control characters, makes the body malformed, as busboy has it; folded lines are joined.
 */
function parseHeaderBlock(block: string): Map<string, string> {
  const headers = new Map<string, string>()
  if (block === '') return headers
  const lines: string[] = []
  for (const line of block.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) lines[lines.length - 1] += line
    else lines.push(line)
  }
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon) : ''
    const value = line.slice(colon + 1).trim()
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
      throw new Error('Malformed part header')
    }
    const key = name.toLowerCase()
    if (!headers.has(key)) headers.set(key, value)
  }
  return headers
}

function partInfo(headers: Map<string, string>): PartInfo | undefined {
  const disposition = parseHeaderValue(headers.get('content-disposition') ?? '')
  if (disposition?.value.toLowerCase() !== 'form-data') return undefined
  const name = disposition.params.name
  if (name === undefined) return undefined
  const rawFilename = disposition.params['filename*'] ?? disposition.params.filename
  let mimeType = 'text/plain'
  let charset: string | undefined
  const type = parseHeaderValue(headers.get('content-type') ?? '')
  if (type && /^[^/\s]+\/[^/\s]+$/.test(type.value)) {
    mimeType = type.value.toLowerCase()
    charset = type.params.charset?.toLowerCase()
  }
  return {name, filename: rawFilename === undefined ? undefined : basename(rawFilename), mimeType, charset}
}

/** busboy's `basename`: the part after the last `/` or `\`, and never `.` or `..`. */
function basename(filename: string): string {
  const base = filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1)
  return base === '.' || base === '..' ? '' : base
}

/**
 * `value; name=token; name="quoted \" string"; name*=utf-8''percent%20encoded`: the value before the first `;` and
 * the parameters by lowercased name (the first of each). An extended (`*`) parameter in a charset other than UTF-8
 * or Latin-1 is left out; anything malformed gives undefined.
 */
function parseHeaderValue(header: string): {value: string; params: Record<string, string | undefined>} | undefined {
  const params: Record<string, string | undefined> = Object.create(null)
  const semi = header.indexOf(';')
  const value = (semi === -1 ? header : header.slice(0, semi)).trim()
  if (value === '') return undefined
  let i = semi === -1 ? header.length : semi
  const skipSpace = () => {
    while (header[i] === ' ' || header[i] === '\t') i++
  }
  while (i < header.length) {
    i++ // the ';'
    skipSpace()
    if (i >= header.length) break // a trailing ';'
    const nameStart = i
    while (i < header.length && !'=; \t"'.includes(header[i])) i++
    const name = header.slice(nameStart, i).toLowerCase()
    skipSpace()
    if (name === '' || header[i] !== '=') return undefined
    i++
    skipSpace()
    let param = ''
    if (header[i] === '"') {
      for (i++; ; i++) {
        if (i >= header.length) return undefined // no closing quote
        const c = header[i]
        if (c === '"') break
        // A backslash escapes only a quote or a backslash, as busboy reads it: browsers send a Windows path's
        // backslashes unescaped (`filename="C:\\dir\\a.txt"`), and basename() must still see them.
        if (c === '\\' && (header[i + 1] === '"' || header[i + 1] === '\\')) i++
        param += header[i]
      }
      i++
    } else {
      const start = i
      while (i < header.length && !'; \t"'.includes(header[i])) i++
      if (i === start) return undefined
      param = header.slice(start, i)
    }
    skipSpace()
    if (i < header.length && header[i] !== ';') return undefined
    if (name.endsWith('*')) {
      const decoded = decodeExtended(param)
      if (decoded === null) return undefined
      if (decoded === undefined) continue
      param = decoded
    }
    if (params[name] === undefined) params[name] = param
  }
  return {value, params}
}

/** RFC 5987 `charset'language'percent-encoded`: the text; undefined for an unknown charset; null if malformed. */
function decodeExtended(value: string): string | undefined | null {
  const match = /^([^']*)'[^']*'(.*)$/.exec(value)
  if (!match || /%(?![0-9a-fA-F]{2})/.test(match[2])) return null
  const charset = match[1].toLowerCase()
  const encoding = charset === 'utf-8' || charset === 'utf8' ? 'utf8' : LATIN1.has(charset) ? 'latin1' : undefined
  if (!encoding) return undefined
  const bytes: number[] = []
  const text = match[2]
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      // Raw non-ASCII is not allowed here, but take it as UTF-8 rather than mangle it.
      bytes.push(...Buffer.from(text[i], 'utf8'))
    }
  }
  return Buffer.from(bytes).toString(encoding)
}
