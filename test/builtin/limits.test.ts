/**
 * Issue #14, the built-in servers' part: input past a limit gets an HTTP answer that names the limit (never a 500,
 * never a cut connection, never an absolute server path), through services and through web; concurrent copies of
 * one chunk keep the first stored; sidecar names are reserved; total_chunks is bounded.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  internal,
  KEY,
  multipartBody,
  type Pair,
  type RawAnswer,
  rawRequest,
  sendTogether,
  serverPathsIn,
  startPair,
  tempLeftovers,
} from './helpers.js'

let pair: Pair
/** Every error answer of this file, scanned at the end for absolute server paths. */
const errorBodies: {label: string; text: string}[] = []
beforeAll(async () => {
  pair = await startPair()
})
afterAll(async () => {
  await pair?.close()
})

const servers = [
  ['services', () => pair.services.url],
  ['web', () => pair.web.url],
] as const

function note(label: string, r: {status?: number; text?: string; body?: unknown}): void {
  if (r.status === undefined || r.status >= 400) errorBodies.push({label, text: r.text ?? JSON.stringify(r.body)})
}

/** A multipart body from raw parts (each a header block and a value), closed properly. */
function rawMultipart(parts: {headers: string; value: string | Buffer}[]): {body: Buffer; contentType: string} {
  const boundary = '----naclimits0123456789'
  const out: Buffer[] = []
  for (const p of parts)
    out.push(Buffer.from(`--${boundary}\r\n${p.headers}\r\n\r\n`), Buffer.from(p.value), Buffer.from('\r\n'))
  out.push(Buffer.from(`--${boundary}--\r\n`))
  return {body: Buffer.concat(out), contentType: `multipart/form-data; boundary=${boundary}`}
}
const fieldPart = (name: string, value: string | Buffer) => ({
  headers: `Content-Disposition: form-data; name="${name}"`,
  value,
})
const filePart = (name: string, value: string | Buffer) => ({
  headers: `Content-Disposition: form-data; name="${name}"; filename="f"\r\nContent-Type: application/octet-stream`,
  value,
})

describe.each(servers)('too-long names through %s', (label, base) => {
  it('answer 400 naming the limit (14 requests), never 500', async () => {
    const api = internal(base())
    const component = `long/${'b'.repeat(300)}`
    const huge = 'c'.repeat(10_000)
    const deep = `${'a/'.repeat(2100)}a`
    expect(deep.length).toBe(4201)
    const file = {name: 'file', data: Buffer.from('x')}
    const calls: [string, () => Promise<{status: number; body: {error?: string}}>][] = [
      ['upload 300-char component', () => api.form('upload', {path: component}, file)],
      ['upload 10k name', () => api.form('upload', {path: huge}, file)],
      ['upload 4201-char path', () => api.form('upload', {path: deep}, file)],
      ['init 300-char component', () => api.form('upload_chunked', {action: 'init', path: component})],
      ['init 10k name', () => api.form('upload_chunked', {action: 'init', path: huge})],
      ['init 4201-char path', () => api.form('upload_chunked', {action: 'init', path: deep})],
      ['download 300', () => api.get('download', {path: component, disk: 'uploads'})],
      ['download deep', () => api.get('download', {path: deep, disk: 'uploads'})],
      ['exists 10k', () => api.get('exists', {path: huge})],
      ['exists deep', () => api.get('exists', {path: deep})],
      ['metadata 300', () => api.get('metadata', {path: component})],
      ['delete deep', () => api.post('delete', {path: deep, disk: 'uploads'})],
      ['list deep prefix', () => api.get('list', {prefix: deep})],
      ['delete_prefix 300', () => api.post('delete_prefix', {prefix: component})],
    ]
    expect(calls).toHaveLength(14)
    for (const [what, call] of calls) {
      const r = await call()
      note(`${label} ${what}`, {status: r.status, body: r.body})
      expect(r.status, what).toBe(400)
      expect(r.body.error, what).toMatch(/^Invalid (path|prefix): .*longer than (250|1024) bytes/)
      // The 10k-character name is not echoed whole.
      expect(JSON.stringify(r.body).length, what).toBeLessThan(400)
    }
  })
})

describe.each(servers)('multipart bodies past a limit through %s', (label, base) => {
  const url = () => `${base()}/internal/storage/upload`
  const send = async (what: string, form: {body: Buffer; contentType: string}) => {
    const r = await rawRequest(url(), {headers: {'X-API-Key': KEY, 'Content-Type': form.contentType}, body: form.body})
    note(`${label} ${what}`, r)
    return r
  }
  const expectRefused = (r: RawAnswer, status: number, error: RegExp) => {
    expect(r.error).toBeUndefined()
    expect(r.status).toBe(status)
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.body.error).toMatch(error)
  }

  it('101 fields: 400 naming the limit, received by the client', async () => {
    const fields = Array.from({length: 101}, (_, i) => fieldPart(`f${i}`, 'v'))
    const r = await send('101 fields', rawMultipart([...fields, filePart('file', 'data')]))
    expectRefused(r, 413, /more than 100 fields/)
  })

  it('1001 parts: 400 naming the limit', async () => {
    const parts = Array.from({length: 1001}, () => filePart('x', 'p'))
    const r = await send('1001 parts', rawMultipart([fieldPart('path', 'lim/parts.bin'), ...parts]))
    expectRefused(r, 413, /more than 1000 parts/)
  })

  it('a 1 MiB part header: 400 naming the limit', async () => {
    const header = `Content-Disposition: form-data; name="path"\r\nX-Pad: ${'h'.repeat(1024 * 1024)}`
    const r = await send('1 MiB header', rawMultipart([{headers: header, value: 'x'}, filePart('file', 'data')]))
    expectRefused(r, 413, /part headers larger than 16384 bytes/)
  })

  it('a 2 MiB field: 413 naming the limit, then the connection closes', async () => {
    const r = await send(
      '2 MiB field',
      rawMultipart([fieldPart('path', 'lim/f.bin'), fieldPart('metadata', 'm'.repeat(2 * 1024 * 1024))]),
    )
    expectRefused(r, 413, /field "metadata" is larger than 1048576 bytes/)
    expect(r.headers.connection).toBe('close')
    expect(tempLeftovers(pair.root)).toEqual([])
  })
})

describe.each(servers)('oversized bodies answered early through %s', (label, base) => {
  const big = (n: number) => JSON.stringify({path: 'x', prefix: 'x', hours: 4, pad: 'p'.repeat(n)})
  for (const route of ['delete', 'delete_prefix', 'cleanup']) {
    it(`${route}: a 3 MiB JSON body gets services' 413, not 502`, async () => {
      const r = await rawRequest(`${base()}/internal/storage/${route}`, {
        headers: {'X-API-Key': KEY, 'Content-Type': 'application/json'},
        body: big(3 * 1024 * 1024),
      })
      note(`${label} ${route} 3 MiB`, r)
      expect(r.error).toBeUndefined()
      expect(r.status).toBe(413)
      expect(r.body.error).toMatch(/larger than 1048576 bytes/)
    })
  }

  it('a 5 MiB urlencoded upload: 413 naming the limit', async () => {
    const r = await rawRequest(`${base()}/internal/storage/upload`, {
      headers: {'X-API-Key': KEY, 'Content-Type': 'application/x-www-form-urlencoded'},
      body: `path=lim%2Fu.txt&file=${'u'.repeat(5 * 1024 * 1024)}`,
    })
    note(`${label} urlencoded 5 MiB`, r)
    expect(r.error).toBeUndefined()
    expect(r.status).toBe(413)
    expect(r.body.error).toMatch(/larger than 4194304 bytes/)
  })

  it('the connection stays usable for the next request when the early answer was read', async () => {
    const api = internal(base())
    expect((await api.get('health')).body.test_passed).toBe(true)
  })
})

describe('two copies of one chunk sent at the same time (services)', () => {
  it('the first stored wins every round; the other is answered as a repeat and logged as ignored', async () => {
    const api = internal(pair.services.url)
    for (let round = 0; round < 10; round++) {
      const init = await api.form('upload_chunked', {action: 'init', path: `dup/round-${round}.bin`, disk: 'uploads'})
      const id = init.body.upload_id as string
      const copies = [Buffer.alloc(40_000 + round, 'a'), Buffer.alloc(50_000 + round, 'b')]
      const bodies = copies.map((data) =>
        multipartBody({action: 'chunk', upload_id: id, chunk_num: '0'}, {name: 'chunk', data}),
      )
      const answers = await sendTogether(`${pair.services.url}/internal/storage/upload_chunked`, bodies)
      for (const a of answers) expect(a.body, `round ${round}`).toEqual({success: true, chunk_num: 0})
      const stored = pair.servicesLog.filter((l) => l.includes(`chunk 0 of ${id} (`))
      const ignored = pair.servicesLog.filter((l) => l.includes(`chunk 0 of ${id} arrived again`))
      expect(stored, `round ${round}`).toHaveLength(1)
      expect(ignored, `round ${round}`).toHaveLength(1)
      const done = await api.form('upload_chunked', {action: 'complete', upload_id: id, total_chunks: '1'})
      expect(done.status).toBe(200)
      // What was kept is the copy the log says was stored.
      expect(stored[0]).toContain(`(${done.body.size} bytes)`)
      const back = await api.getRaw('download', {path: `dup/round-${round}.bin`, disk: 'uploads'})
      expect(back.bytes.length).toBe(done.body.size)
      expect(back.bytes.equals(copies[done.body.size === copies[0].length ? 0 : 1])).toBe(true)
    }
    expect(tempLeftovers(pair.root)).toEqual([])
  })
})

describe.each(servers)('sidecar names and chunk counts through %s', (label, base) => {
  it('an upload to "X.meta" is refused naming the field; X keeps its sidecar and content type', async () => {
    const api = internal(base())
    const p = `side-${label}/report.html`
    expect(
      (await api.form('upload', {path: p, content_type: 'text/csv'}, {name: 'file', data: Buffer.from('a,b')})).status,
    ).toBe(200)
    for (const attempt of [
      () => api.form('upload', {path: `${p}.meta`}, {name: 'file', data: Buffer.from('{"content_type":"text/html"}')}),
      () => api.form('upload', {path: `${p}.META`}, {name: 'file', data: Buffer.from('{}')}),
      () => api.form('upload_chunked', {action: 'init', path: `${p}.meta`}),
    ]) {
      const r = await attempt()
      note(`${label} .meta upload`, r)
      expect(r.status).toBe(400)
      expect(r.body.error).toMatch(/^Invalid path: .*\.meta.* reserved/)
    }
    const back = await api.getRaw('download', {path: p, disk: 'uploads'})
    expect(back.headers.get('content-type')).toBe('text/csv')
  })

  it('total_chunks and chunk_num past the stated maximum are refused naming it', async () => {
    const api = internal(base())
    const init = await api.form('upload_chunked', {action: 'init', path: `side-${label}/many.bin`})
    const id = init.body.upload_id
    const complete = await api.form('upload_chunked', {action: 'complete', upload_id: id, total_chunks: '100000'})
    note(`${label} total_chunks`, complete)
    expect(complete.status).toBe(400)
    expect(complete.body.error).toMatch(/^Invalid total_chunks: .*at most 10000/)
    const chunk = await api.form(
      'upload_chunked',
      {action: 'chunk', upload_id: id, chunk_num: '10000'},
      {name: 'chunk', data: Buffer.from('c')},
    )
    expect(chunk.status).toBe(400)
    expect(chunk.body.error).toMatch(/^Invalid chunk_num: .*at most 9999/)
    // Within the maximum, missing chunks are named (counted from what was received, not by probing each number).
    const missing = await api.form('upload_chunked', {action: 'complete', upload_id: id, total_chunks: '10000'})
    expect(missing.status).toBe(400)
    expect(missing.body.error).toMatch(/^Missing chunks: 0, 1, 2, .*, … \(10000 of 10000 missing\)/)
  })
})

describe('error bodies', () => {
  it('none of the answers above shows an absolute server path', () => {
    expect(errorBodies.length).toBeGreaterThan(40)
    for (const {label, text} of errorBodies) expect(serverPathsIn(text, pair), label).toEqual([])
  })
})
