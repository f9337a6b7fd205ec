/**
 * The multipart parser on its own (any chunking gives the same parts, near-miss boundaries stay in the data, file
 * bytes are not copied, a full file stream stops the parse, limits, cut-off bodies), and receiveForm on top of it
 * with a real Storage (only the first file part is staged, nothing is left in temp/ on failure).
 */
import {readdirSync, readFileSync} from 'node:fs'
import type {IncomingMessage} from 'node:http'
import path from 'node:path'
import {PassThrough, Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {afterAll, describe, expect, it} from 'vitest'
import type {HttpError} from '../../src/builtin/http-util.js'
import {ClientGone} from '../../src/builtin/services/context.js'
import {receiveForm} from '../../src/builtin/services/form.js'
import {
  type MultipartOptions,
  MultipartParser,
  multipartBoundary,
  type PartInfo,
} from '../../src/builtin/services/multipart.js'
import {Storage} from '../../src/builtin/storage.js'
import {tempDir} from '../helpers/index.js'
import {prng} from './helpers.js'

const B = '----nacTestBoundary7MA4YWxk'

interface Part {
  name: string
  value: string | Buffer
  filename?: string
  type?: string
  /** Raw header lines instead of the ones built from name/filename/type. */
  headers?: string
}

function build(parts: Part[], opts: {boundary?: string; preamble?: string; epilogue?: string} = {}): Buffer {
  const boundary = opts.boundary ?? B
  const out: Buffer[] = [Buffer.from(opts.preamble ?? '')]
  for (const p of parts) {
    const headers =
      p.headers ??
      `Content-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}` +
        (p.type ? `\r\nContent-Type: ${p.type}` : '')
    out.push(Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(p.value), Buffer.from('\r\n'))
  }
  out.push(Buffer.from(`--${boundary}--\r\n${opts.epilogue ?? ''}`))
  return Buffer.concat(out)
}

interface Parsed {
  fields: [string, string][]
  files: {info: PartInfo; data: Buffer; pieces: Buffer[]}[]
  error?: string
}

/** Feeds `pieces` to a parser; every file stream is read to its end. */
async function parse(pieces: Buffer[], options: Partial<MultipartOptions> = {}): Promise<Parsed> {
  const result: Parsed = {fields: [], files: []}
  const parser = new MultipartParser({
    boundary: B,
    ...options,
    onField: (name, value) => result.fields.push([name, value]),
    onFile: (info, stream) => {
      const file = {info, data: Buffer.alloc(0), pieces: [] as Buffer[]}
      result.files.push(file)
      stream.on('data', (piece: Buffer) => file.pieces.push(piece))
      stream.on('end', () => {
        file.data = Buffer.concat(file.pieces)
      })
      stream.on('error', () => {})
    },
  })
  try {
    await pipeline(Readable.from(pieces), parser)
  } catch (error) {
    result.error = (error as Error).message
  }
  return result
}

/** What a parse gives, without how the file bytes were cut. */
const outcome = (r: Parsed) => ({
  fields: r.fields,
  files: r.files.map((f) => ({info: f.info, data: f.data.toString('latin1')})),
  error: r.error,
})

/** File content that is all near misses: CRLFs, dashes, and beginnings of the delimiter. */
const NEAR_MISSES = Buffer.from(
  `\r\n\r\n--\r\n-\r\n--${B.slice(0, 5)}\r\n--${B.slice(0, -1)}\r\r\n\r\n--${B}X\r\n--${B}\n\r\n-- ${B}\r\n`,
)

const tricky = () =>
  build(
    [
      {name: 'path', value: 'a/b.bin'},
      {name: 'file', filename: 'b.bin', type: 'application/octet-stream', value: NEAR_MISSES},
      {name: 'metadata', value: '{"k":"v\r\n--"}'},
      {name: 'empty', filename: 'e.txt', value: ''},
    ],
    {preamble: `preamble with --${B.slice(0, 8)} and \r\n--${B}x in it\r\n`, epilogue: `epilogue --${B}--\r\n`},
  )

describe('MultipartParser', () => {
  it('gives fields and a file with its name, filename and type', async () => {
    const r = await parse([
      build([
        {name: 'path', value: 'x/y.csv'},
        {name: 'file', filename: 'y.csv', type: 'Text/CSV; charset=utf-8', value: 'a,b\r\n1,2\r\n'},
        {name: 'disk', value: 'uploads'},
      ]),
    ])
    expect(r.error).toBeUndefined()
    expect(r.fields).toEqual([
      ['path', 'x/y.csv'],
      ['disk', 'uploads'],
    ])
    expect(r.files).toHaveLength(1)
    expect(r.files[0].info).toEqual({name: 'file', filename: 'y.csv', mimeType: 'text/csv', charset: 'utf-8'})
    expect(r.files[0].data.toString()).toBe('a,b\r\n1,2\r\n')
  })

  it('keeps near-miss delimiters in file content, and ignores preamble and epilogue', async () => {
    const r = await parse([tricky()])
    expect(r.error).toBeUndefined()
    expect(r.fields).toEqual([
      ['path', 'a/b.bin'],
      ['metadata', '{"k":"v\r\n--"}'],
    ])
    expect(r.files.map((f) => [f.info.filename, f.data.toString('latin1')])).toEqual([
      ['b.bin', NEAR_MISSES.toString('latin1')],
      ['e.txt', ''],
    ])
  })

  it('gives the same result for a body split in two at every byte, and fed byte by byte', async () => {
    const body = tricky()
    const whole = outcome(await parse([body]))
    for (let at = 0; at <= body.length; at++) {
      expect(outcome(await parse([body.subarray(0, at), body.subarray(at)])), `split at ${at}`).toEqual(whole)
    }
    const bytes = Array.from({length: body.length}, (_, i) => body.subarray(i, i + 1))
    expect(outcome(await parse(bytes))).toEqual(whole)
  })

  it('keeps CRLF- and dash-heavy binary content intact under random chunking', async () => {
    const random = prng(42)
    const alphabet = Buffer.from(`\r\n-${B.slice(0, 6)}`)
    const content = Buffer.alloc(200_000)
    for (let i = 0; i < content.length; i++) content[i] = alphabet[Math.floor(random() * alphabet.length)]
    // A real delimiter would end the part: break any that chance produced.
    for (let i = content.indexOf(`\r\n--${B}`); i !== -1; i = content.indexOf(`\r\n--${B}`, i)) content[i] = 0x71
    const body = build([
      {name: 'file', filename: 'f', value: content},
      {name: 'after', value: 'yes'},
    ])
    for (let round = 0; round < 20; round++) {
      const pieces: Buffer[] = []
      for (let at = 0; at < body.length; ) {
        const n = 1 + Math.floor(random() * (round % 2 ? 40 : 70_000))
        pieces.push(body.subarray(at, at + n))
        at += n
      }
      const r = await parse(pieces)
      expect(r.error).toBeUndefined()
      expect(r.files[0].data.equals(content), `round ${round}`).toBe(true)
      expect(r.fields).toEqual([['after', 'yes']])
    }
  })

  it('passes file bytes on as views of the incoming chunks, copying only what may begin a delimiter', async () => {
    const content = Buffer.alloc(1024 * 1024, 'x')
    const head = Buffer.byteLength(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`)
    // Chunks 1 to 3 end with `\r\n-`, `\r\n--`, `\r`: a possible delimiter beginning, held back, then passed on.
    for (const [k, end] of [
      [1, '\r\n-'],
      [2, '\r\n--'],
      [3, '\r'],
    ] as const)
      content.write(end, k * 65_536 - head - end.length)
    const body = build([{name: 'file', filename: 'f', value: content}])
    const pieces: Buffer[] = []
    for (let at = 0; at < body.length; at += 65_536) pieces.push(Buffer.from(body.subarray(at, at + 65_536)))
    const r = await parse(pieces)
    expect(r.files[0].data.equals(content)).toBe(true)
    const copied = r.files[0].pieces.filter((p) => !pieces.some((q) => q.buffer === p.buffer))
    // Held-back bytes are handed on as views of their chunk too, so nothing at all is copied...
    expect(copied.reduce((n, p) => n + p.length, 0)).toBe(0)
    // ...and they were held back: those three chunks' last bytes came as pieces of their own.
    expect(r.files[0].pieces.map((p) => p.toString('latin1')).filter((p) => p.startsWith('\r'))).toEqual([
      '\r\n-',
      '\r\n--',
      '\r',
    ])
  })

  it('stops reading the body while a file stream is full, and goes on when it is read', async () => {
    const content = Buffer.alloc(8 * 1024 * 1024, 'z')
    const body = build([{name: 'file', filename: 'big', value: content}])
    let pulled = 0
    const source = Readable.from(
      (function* () {
        for (let at = 0; at < body.length; at += 65_536) {
          pulled++
          yield body.subarray(at, at + 65_536)
        }
      })(),
      {objectMode: false, highWaterMark: 65_536},
    )
    let file: Readable | undefined
    const parser = new MultipartParser({
      boundary: B,
      highWaterMark: 65_536,
      fileHighWaterMark: 65_536,
      onFile: (_info, stream) => {
        file = stream
      },
    })
    const done = pipeline(source, parser)
    await new Promise((r) => setTimeout(r, 100))
    // 129 chunks in the body; only a few may be read while nobody reads the file.
    expect(pulled).toBeLessThan(10)
    expect(file).toBeDefined()
    let size = 0
    file!.on('data', (piece: Buffer) => {
      size += piece.length
    })
    await done
    expect(pulled).toBe(Math.ceil(body.length / 65_536))
    expect(size).toBe(content.length)
  })

  it('drops the rest of a file whose reader destroyed its stream, and goes on with the next parts', async () => {
    const body = build([
      {name: 'file', filename: 'f', value: Buffer.alloc(2 * 1024 * 1024, 'q')},
      {name: 'after', value: 'still here'},
    ])
    const fields: [string, string][] = []
    const parser = new MultipartParser({
      boundary: B,
      fileHighWaterMark: 16_384,
      onField: (name, value) => fields.push([name, value]),
      onFile: (_info, stream) => {
        stream.on('error', () => {})
        setTimeout(() => stream.destroy(), 20)
      },
    })
    const pieces = Array.from({length: Math.ceil(body.length / 65_536)}, (_, i) =>
      body.subarray(i * 65_536, (i + 1) * 65_536),
    )
    await pipeline(Readable.from(pieces), parser)
    expect(fields).toEqual([['after', 'still here']])
  })

  it('reads filenames: escaped quotes, raw UTF-8, filename* first, folders stripped, tokens; names case-insensitive', async () => {
    const part = (headers: string): Part => ({name: '', value: 'v', headers})
    const r = await parse([
      build([
        part('Content-Disposition: form-data; name="a"; filename="say \\"hi\\" now.txt"'),
        part('content-disposition: form-data; name="b"; filename="résumé 日本.txt"'),
        part(`CONTENT-DISPOSITION: Form-Data; NAME=c; filename="fallback.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`),
        part('Content-Disposition: form-data; name="d"; filename="C:\\\\Users\\\\me\\\\report.pdf"'),
        part('Content-Disposition: form-data; name="e"; filename="../../etc/passwd"'),
        part('Content-Disposition: form-data; name="f"; filename=plain.bin\r\nContent-type: image/PNG'),
        part('Content-Disposition: form-data; name="g"\r\nContent-Type: application/octet-stream'),
        part('Content-Disposition: form-data; name="h"; filename=""'),
      ]),
    ])
    expect(r.error).toBeUndefined()
    expect(r.files.map((f) => [f.info.name, f.info.filename, f.info.mimeType])).toEqual([
      ['a', 'say "hi" now.txt', 'text/plain'],
      ['b', 'résumé 日本.txt', 'text/plain'],
      ['c', '€ rates.txt', 'text/plain'],
      ['d', 'report.pdf', 'text/plain'],
      ['e', 'passwd', 'text/plain'],
      ['f', 'plain.bin', 'image/png'],
      ['g', undefined, 'application/octet-stream'],
      ['h', '', 'text/plain'],
    ])
    expect(r.fields).toEqual([])
  })

  it('decodes field values as UTF-8 (or Latin-1 when the part says so); skips parts that are not form-data', async () => {
    const r = await parse([
      build([
        {name: 'u', value: 'naïve ✓'},
        {name: 'l', value: Buffer.from('café', 'latin1'), type: 'text/plain; charset=ISO-8859-1'},
        {name: '', value: 'x', headers: 'Content-Disposition: attachment; name="s"'},
        {name: '', value: 'x', headers: 'Content-Type: text/plain'},
        {name: '', value: 'x', headers: ''},
      ]),
    ])
    expect(r.error).toBeUndefined()
    expect(r.fields).toEqual([
      ['u', 'naïve ✓'],
      ['l', 'café'],
    ])
  })

  it('allows transport padding after a boundary, and a body without CRLF after the close delimiter', async () => {
    const body = `--${B} \t\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${B}\t\r\nContent-Disposition: form-data; name="b"\r\n\r\n2\r\n--${B}--`
    const r = await parse([Buffer.from(body)])
    expect(r).toEqual({
      fields: [
        ['a', '1'],
        ['b', '2'],
      ],
      files: [],
    })
  })

  it('refuses bodies past the limits', async () => {
    const limits = {fieldSize: 10, fields: 2, parts: 3, headerSize: 200}
    const field = (name: string, value = 'v'): Part => ({name, value})
    expect((await parse([build([field('a', 'x'.repeat(10))])], {limits})).error).toBeUndefined()
    expect((await parse([build([field('a', 'x'.repeat(11))])], {limits})).error).toBe(
      'field "a" is larger than 10 bytes',
    )
    expect((await parse([build([field('a'), field('b')])], {limits})).error).toBeUndefined()
    expect((await parse([build([field('a'), field('b'), field('c')])], {limits})).error).toBe('more than 2 fields')
    const file = (name: string): Part => ({name, value: 'f', filename: name})
    expect((await parse([build([field('a'), file('b'), file('c')])], {limits})).error).toBeUndefined()
    expect((await parse([build([field('a'), file('b'), file('c'), file('d')])], {limits})).error).toBe(
      'more than 3 parts',
    )
    const long = `Content-Disposition: form-data; name="a"\r\nX-Long: ${'h'.repeat(146)}`
    expect((await parse([build([{name: 'a', value: 'v', headers: long}])], {limits})).error).toBeUndefined()
    const tooLong = `Content-Disposition: form-data; name="a"\r\nX-Long: ${'h'.repeat(147)}`
    expect((await parse([build([{name: 'a', value: 'v', headers: tooLong}])], {limits})).error).toBe(
      'part headers larger than 200 bytes',
    )
  })

  it('refuses a body cut off anywhere before the end of its close delimiter, ending the file stream with an error', async () => {
    const body = tricky()
    const end = body.indexOf(`--${B}--`) + B.length + 4
    const fileStart = body.indexOf('\r\n\r\n', body.indexOf('b.bin"')) + 4
    const fileEnd = body.indexOf(`\r\n--${B}\r\n`, fileStart) + B.length + 4
    for (let at = 0; at < body.length; at++) {
      const fileErrors: string[] = []
      const parser = new MultipartParser({
        boundary: B,
        onFile: (_info, stream) => {
          stream.on('error', (e) => fileErrors.push(e.message))
          stream.resume()
        },
      })
      const error = await pipeline(Readable.from([body.subarray(0, at)]), parser).then(
        () => undefined,
        (e: Error) => e.message,
      )
      if (at >= end) {
        expect(error, `cut at ${at}`).toBeUndefined()
        continue
      }
      expect(error, `cut at ${at}`).toBe('Unexpected end of form')
      // From the end of its headers to the byte after its delimiter, the file part is open.
      const inFile = at >= fileStart && at <= fileEnd
      if (inFile) expect(fileErrors, `cut at ${at}`).toEqual(['Unexpected end of form'])
    }
  })

  it('refuses garbage: no boundary at all, bytes after a boundary, malformed headers', async () => {
    expect((await parse([Buffer.from('just some text\r\n')])).error).toBe('Unexpected end of form')
    expect((await parse([Buffer.alloc(0)])).error).toBe('Unexpected end of form')
    expect((await parse([Buffer.from(`--${B}\r\n`)])).error).toBe('Unexpected end of form')
    expect((await parse([Buffer.from(`--${B} x\r\n`)])).error).toBe('unexpected bytes after a boundary')
    expect((await parse([Buffer.from(`--${B}-x`)])).error).toBe('a boundary followed by a single dash')
    expect((await parse([Buffer.from(`--${B}\rx`)])).error).toBe('a boundary line not ended by CRLF')
    expect((await parse([Buffer.from(`--${B}\r\nno colon here\r\n\r\nv\r\n--${B}--`)])).error).toBe(
      'Malformed part header',
    )
  })
})

describe('multipartBoundary', () => {
  it('reads a quoted or plain boundary of 1 to 70 printable characters from multipart/form-data only', () => {
    expect(multipartBoundary(`multipart/form-data; boundary=${B}`)).toBe(B)
    expect(multipartBoundary(`Multipart/Form-Data;charset=utf-8;BOUNDARY="a b:c"`)).toBe('a b:c')
    expect(multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(70)}`)).toBe('x'.repeat(70))
    expect(multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeUndefined()
    expect(multipartBoundary('multipart/form-data')).toBeUndefined()
    expect(multipartBoundary('multipart/form-data; boundary=""')).toBeUndefined()
    expect(multipartBoundary('multipart/form-data; boundary="a\rb"')).toBeUndefined()
    expect(multipartBoundary(`multipart/mixed; boundary=${B}`)).toBeUndefined()
    expect(multipartBoundary('text/plain')).toBeUndefined()
    expect(multipartBoundary(undefined)).toBeUndefined()
  })
})

describe('receiveForm', () => {
  const t = tempDir('nac-form-')
  afterAll(() => t.cleanup())
  const storage = new Storage(path.join(t.dir, 'ws'))
  const tempFiles = () => readdirSync(storage.temp).filter((n) => n !== 'chunked')

  const request = (body: Buffer | undefined, contentType: string | undefined): IncomingMessage => {
    const req = new PassThrough() as unknown as IncomingMessage
    Object.assign(req, {headers: contentType === undefined ? {} : {'content-type': contentType}})
    if (body) (req as unknown as PassThrough).end(body)
    return req
  }
  const form = `multipart/form-data; boundary=${B}`

  it('stages only the first part named like the file field; the first value of a field wins', async () => {
    const body = build([
      {name: 'path', value: 'first'},
      {name: 'other', filename: 'o.bin', value: 'not me'},
      {name: 'file', filename: 'one.bin', type: 'application/x-one', value: 'one\r\n--'},
      {name: 'file', filename: 'two.bin', value: 'two'},
      {name: 'path', value: 'second'},
    ])
    const {fields, file} = await receiveForm(request(body, form), storage, 'file')
    expect(fields).toEqual({path: 'first'})
    expect(file).toMatchObject({filename: 'one.bin', mimeType: 'application/x-one', size: 7})
    expect(readFileSync(file!.temp, 'utf8')).toBe('one\r\n--')
    await storage.discard(file!)
    expect(tempFiles()).toEqual([])
  })

  it('takes the file field without a filename as the file', async () => {
    const body = build([{name: 'chunk', value: 'plain value'}])
    const {fields, file} = await receiveForm(request(body, form), storage, 'chunk')
    expect(fields).toEqual({})
    expect(file).toMatchObject({filename: '', mimeType: 'text/plain', size: 11})
    await storage.discard(file!)
  })

  it('refuses a body that is not multipart with 400, past a limit with 413; JSON and urlencoded still work', async () => {
    const refused = async (req: IncomingMessage) =>
      receiveForm(req, storage, 'file').then(
        () => undefined,
        (e: HttpError) => [e.status, e.message],
      )
    expect(await refused(request(Buffer.from('x'), 'text/plain'))).toEqual([400, 'Expected a multipart/form-data body'])
    expect(await refused(request(Buffer.from('x'), undefined))).toEqual([400, 'Expected a multipart/form-data body'])
    expect(await refused(request(Buffer.from('x'), 'multipart/form-data'))).toEqual([
      400,
      'Expected a multipart/form-data body',
    ])
    const big = build([{name: 'metadata', value: 'm'.repeat(1024 * 1024 + 1)}])
    expect(await refused(request(big, form))).toEqual([
      413,
      'Multipart body past a limit: field "metadata" is larger than 1048576 bytes',
    ])
    const many = build(Array.from({length: 101}, (_, i) => ({name: `f${i}`, value: 'v'})))
    expect(await refused(request(many, form))).toEqual([413, 'Multipart body past a limit: more than 100 fields'])
    const json = await receiveForm(request(Buffer.from('{"a":"1","b":2}'), 'application/json'), storage, 'file')
    expect(json).toEqual({fields: {a: '1', b: '2'}})
    const urlencoded = await receiveForm(
      request(Buffer.from('a=1+2&b=%C3%A9&a=3'), 'application/x-www-form-urlencoded'),
      storage,
      'file',
    )
    expect(urlencoded).toEqual({fields: {a: '1 2', b: 'é'}})
  })

  it('discards the staged file of a body cut off in or after it: 400, or ClientGone when the client went away', async () => {
    const body = build([
      {name: 'file', filename: 'f', value: Buffer.alloc(300_000, 'c')},
      {name: 'path', value: 'p'},
    ])
    for (const cut of [10, 200, 150_000, body.length - 30, body.length - 3]) {
      const error = await receiveForm(request(body.subarray(0, cut), form), storage, 'file').then(
        () => undefined,
        (e: HttpError) => [e.status, e.message],
      )
      expect(error, `cut at ${cut}`).toEqual([400, 'Malformed multipart body: Unexpected end of form'])
      expect(tempFiles(), `cut at ${cut}`).toEqual([])
    }
    const req = request(undefined, form)
    const stream = req as unknown as PassThrough
    stream.write(body.subarray(0, 150_000))
    const received = receiveForm(req, storage, 'file')
    setTimeout(() => {
      stream.emit('aborted')
      stream.destroy()
    }, 50)
    await expect(received).rejects.toBeInstanceOf(ClientGone)
    expect(tempFiles()).toEqual([])
  })
})
