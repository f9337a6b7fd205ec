/**
 * multipart/form-data built by hand around a stream, with an exact Content-Length. Django's runserver (the depot's
 * dev server) does not read chunked request bodies, so the length must be known up front; and the web-standard
 * FormData would buffer the whole file.
 */
import {randomBytes} from 'node:crypto'
import {Readable} from 'node:stream'

export interface FilePart {
  field: string
  filename: string
  contentType: string
  size: number
  /** Exactly `size` bytes. A Buffer is fine for small files. */
  data: Readable | Buffer
}

export interface MultipartBody {
  body: Readable
  contentType: string
  length: number
  /** The fields and the file's size, for --verbose (field values are short: paths, ids, disks). */
  summary: string
}

function quote(value: string): string {
  // RFC 7578: quotes and line breaks in names are percent-encoded by browsers; do the same.
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

export function multipartBody(fields: [string, string][], file?: FilePart): MultipartBody {
  const boundary = `----naaccord${randomBytes(12).toString('hex')}`
  let head = ''
  for (const [name, value] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`
  }
  if (file) {
    head +=
      `--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.filename)}"\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`
  }
  const headBuf = Buffer.from(head, 'utf8')
  const tailBuf = Buffer.from(`${file ? '\r\n' : ''}--${boundary}--\r\n`, 'utf8')
  const length = headBuf.length + (file?.size ?? 0) + tailBuf.length
  async function* parts(): AsyncGenerator<Buffer> {
    yield headBuf
    if (file) {
      if (Buffer.isBuffer(file.data)) yield file.data
      else for await (const chunk of file.data) yield chunk as Buffer
    }
    yield tailBuf
  }
  const shown = fields.map(([k, v]) => `${k}=${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)}`)
  if (file) shown.push(`${file.field}: ${file.size} bytes`)
  return {
    summary: shown.join(' '),
    body: Readable.from(parts(), {objectMode: false}),
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
  }
}
