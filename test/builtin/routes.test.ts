/**
 * Every route and every error row of the contract table, through services directly and through web's relay.
 */
import {existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {internal, type Pair, randomData, sha256, startPair} from './helpers.js'

let pair: Pair
beforeAll(async () => {
  pair = await startPair()
})
afterAll(async () => {
  await pair?.close()
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe.each([
  ['services', () => pair.services.url, 'services', 'LocalFileSystemStorage'],
  ['web relay', () => pair.web.url, 'web', 'RemoteStorageDriver'],
])('internal storage routes through %s', (label, base, role, backend) => {
  const api = () => internal(base())
  const p = (name: string) => `routes-${label.replace(' ', '-')}/${name}`
  const disk = (name: string, rel: string) => path.join(pair.root, name, rel)

  it('upload stores the bytes, answers {success, path as sent, size}, and writes a .meta sidecar', async () => {
    const data = randomData(70_000)
    const r = await api().form(
      'upload',
      {path: p('a.bin'), content_type: 'text/csv', metadata: '{"study":"x1","n":2}', disk: 'uploads'},
      {name: 'file', data},
    )
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({success: true, path: p('a.bin'), size: data.length})
    expect(readFileSync(disk('uploads', p('a.bin')))).toEqual(data)
    const meta = JSON.parse(readFileSync(disk('uploads', `${p('a.bin')}.meta`), 'utf8'))
    expect(meta).toMatchObject({
      study: 'x1',
      n: 2,
      content_type: 'text/csv',
      file_size: data.length,
      sha256: sha256(data),
    })
    expect(Number.isNaN(Date.parse(meta.created_at))).toBe(false)
  })

  it('upload: invalid metadata JSON is ignored; disk defaults to uploads; one leading "<disk>/" is stripped', async () => {
    const r = await api().form(
      'upload',
      {path: `uploads/${p('b.txt')}`, metadata: '{not json'},
      {name: 'file', data: Buffer.from('hi')},
    )
    expect(r.status).toBe(200)
    expect(r.body.path).toBe(`uploads/${p('b.txt')}`)
    expect(readFileSync(disk('uploads', p('b.txt')), 'utf8')).toBe('hi')
    const meta = JSON.parse(readFileSync(disk('uploads', `${p('b.txt')}.meta`), 'utf8'))
    expect(Object.keys(meta).sort()).toEqual(['content_type', 'created_at', 'file_size', 'sha256'])
  })

  it('upload: missing path is 400 "Path is required"; missing file is 400 naming the file', async () => {
    const noPath = await api().form('upload', {}, {name: 'file', data: Buffer.from('x')})
    expect(noPath).toMatchObject({status: 400, body: {error: 'Path is required'}})
    const noFile = await api().form('upload', {path: p('nofile.txt')})
    expect(noFile.status).toBe(400)
    expect(noFile.body.error).toMatch(/file/i)
    expect(existsSync(disk('uploads', p('nofile.txt')))).toBe(false)
  })

  it('upload_chunked: init → chunks (a repeated chunk_num is ignored) → complete', async () => {
    const parts = [randomData(40_000), randomData(40_000), randomData(123)]
    const init = await api().form('upload_chunked', {
      action: 'init',
      path: p('big.bin'),
      content_type: 'application/x-test',
      disk: 'uploads',
    })
    expect(init.status).toBe(200)
    expect(init.body.success).toBe(true)
    expect(init.body.upload_id).toMatch(UUID)
    const id = init.body.upload_id
    for (const [i, data] of parts.entries()) {
      const r = await api().form(
        'upload_chunked',
        {action: 'chunk', upload_id: id, chunk_num: String(i)},
        {name: 'chunk', data},
      )
      expect(r).toMatchObject({status: 200, body: {success: true, chunk_num: i}})
    }
    // The depot's client retries POSTs: a second chunk 1 (different bytes here, to tell) must not replace the first.
    const again = await api().form(
      'upload_chunked',
      {action: 'chunk', upload_id: id, chunk_num: '1'},
      {name: 'chunk', data: randomData(10)},
    )
    expect(again).toMatchObject({status: 200, body: {success: true, chunk_num: 1}})
    const done = await api().form('upload_chunked', {action: 'complete', upload_id: id, total_chunks: '3'})
    const whole = Buffer.concat(parts)
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({success: true, path: p('big.bin'), size: whole.length, chunks: 3})
    expect(sha256(readFileSync(disk('uploads', p('big.bin'))))).toBe(sha256(whole))
    const meta = JSON.parse(readFileSync(disk('uploads', `${p('big.bin')}.meta`), 'utf8'))
    expect(meta).toMatchObject({sha256: sha256(whole), file_size: whole.length, content_type: 'application/x-test'})
    expect(existsSync(path.join(pair.root, 'temp', 'chunked', id))).toBe(false)
  })

  it('upload_chunked: the error rows (missing path / upload ID / chunk, missing chunks, bad action)', async () => {
    expect(await api().form('upload_chunked', {action: 'init'})).toMatchObject({
      status: 400,
      body: {error: 'Path is required'},
    })
    const noId = await api().form(
      'upload_chunked',
      {action: 'chunk', chunk_num: '0'},
      {name: 'chunk', data: Buffer.from('x')},
    )
    expect(noId).toMatchObject({status: 400, body: {error: 'Upload ID is required'}})
    const {body} = await api().form('upload_chunked', {action: 'init', path: p('partial.bin')})
    const noChunk = await api().form('upload_chunked', {action: 'chunk', upload_id: body.upload_id, chunk_num: '0'})
    expect(noChunk.status).toBe(400)
    expect(noChunk.body.error).toMatch(/chunk/i)
    await api().form(
      'upload_chunked',
      {action: 'chunk', upload_id: body.upload_id, chunk_num: '0'},
      {name: 'chunk', data: Buffer.from('x')},
    )
    const missing = await api().form('upload_chunked', {
      action: 'complete',
      upload_id: body.upload_id,
      total_chunks: '3',
    })
    expect(missing.status).toBe(400)
    expect(missing.body.error).toMatch(/Missing chunks: 1, 2/)
    expect(existsSync(disk('uploads', p('partial.bin')))).toBe(false)
    const noIdComplete = await api().form('upload_chunked', {action: 'complete', total_chunks: '1'})
    expect(noIdComplete).toMatchObject({status: 400, body: {error: 'Upload ID is required'}})
    const unknown = await api().form('upload_chunked', {
      action: 'complete',
      upload_id: '00000000-0000-4000-8000-000000000000',
      total_chunks: '1',
    })
    expect(unknown.status).toBe(404)
    const bad = await api().form('upload_chunked', {action: 'explode'})
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/action/)
  })

  it('download: the bytes, the stored content type, an attachment filename; disk defaults to local', async () => {
    const data = randomData(5000)
    await api().form(
      'upload',
      {path: p('dl/report.csv'), content_type: 'text/csv', disk: 'local'},
      {name: 'file', data},
    )
    const r = await api().getRaw('download', {path: p('dl/report.csv')})
    expect(r.status).toBe(200)
    expect(r.bytes).toEqual(data)
    expect(r.headers.get('content-type')).toBe('text/csv')
    expect(r.headers.get('content-length')).toBe('5000')
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="report.csv"')
    // The same path on the uploads disk is another file.
    expect((await api().get('download', {path: p('dl/report.csv'), disk: 'uploads'})).status).toBe(404)
  })

  it('download: missing path 400, missing file 404 {"error":"File not found"}', async () => {
    expect(await api().get('download', {})).toMatchObject({status: 400, body: {error: 'Path is required'}})
    expect(await api().get('download', {path: p('nothing.bin'), disk: 'uploads'})).toMatchObject({
      status: 404,
      body: {error: 'File not found'},
    })
  })

  it('delete: removes the file and its sidecar, false once gone; disk defaults to scratch; missing path 400', async () => {
    await api().form('upload', {path: p('del.txt'), disk: 'scratch'}, {name: 'file', data: Buffer.from('bye')})
    await api().form('upload', {path: p('del.txt'), disk: 'uploads'}, {name: 'file', data: Buffer.from('stay')})
    expect(await api().post('delete', {path: p('del.txt')})).toMatchObject({
      status: 200,
      body: {success: true, path: p('del.txt')},
    })
    expect(existsSync(disk('scratch', p('del.txt')))).toBe(false)
    expect(existsSync(disk('scratch', `${p('del.txt')}.meta`))).toBe(false)
    expect(existsSync(disk('uploads', p('del.txt')))).toBe(true)
    expect(await api().post('delete', {path: p('del.txt')})).toMatchObject({status: 200, body: {success: false}})
    expect(await api().post('delete', {disk: 'scratch'})).toMatchObject({
      status: 400,
      body: {error: 'Path is required'},
    })
  })

  it('delete_prefix: every file under the prefix on the uploads disk, with the count; missing prefix 400', async () => {
    for (const name of ['dp/one.txt', 'dp/sub/two.txt', 'dpx.txt']) {
      await api().form('upload', {path: p(name)}, {name: 'file', data: Buffer.from(name)})
    }
    const r = await api().post('delete_prefix', {prefix: p('dp/')})
    // Two files (their two sidecars go too, but the depot counts data files only).
    expect(r).toMatchObject({status: 200, body: {success: true, deleted_count: 2, prefix: p('dp/')}})
    expect(existsSync(disk('uploads', p('dp')))).toBe(false)
    expect(existsSync(disk('uploads', p('dpx.txt')))).toBe(true)
    expect(await api().post('delete_prefix', {})).toMatchObject({status: 400, body: {error: 'Prefix is required'}})
  })

  it('list: paths under the prefix (sidecars included), or {path, mtime, size} with include_metadata', async () => {
    await api().form('upload', {path: p('ls/x.txt')}, {name: 'file', data: Buffer.from('12345')})
    const plain = await api().get('list', {prefix: p('ls/')})
    expect(plain).toMatchObject({
      status: 200,
      body: {success: true, files: [p('ls/x.txt'), p('ls/x.txt.meta')], count: 2, prefix: p('ls/')},
    })
    const rich = await api().get('list', {prefix: p('ls/'), include_metadata: 'true'})
    expect(rich.body.files[0]).toMatchObject({path: p('ls/x.txt'), size: 5})
    expect(typeof rich.body.files[0].mtime).toBe('number')
    const all = await api().get('list')
    expect(all.body.prefix).toBe('')
    expect(all.body.files).toContain(p('ls/x.txt'))
    expect(all.body.count).toBe(all.body.files.length)
  })

  it('exists: true and false; disk defaults to local; missing path 400', async () => {
    await api().form('upload', {path: p('ex.txt'), disk: 'local'}, {name: 'file', data: Buffer.from('e')})
    expect(await api().get('exists', {path: p('ex.txt')})).toMatchObject({
      status: 200,
      body: {success: true, exists: true, path: p('ex.txt')},
    })
    expect(await api().get('exists', {path: p('ex.txt'), disk: 'uploads'})).toMatchObject({body: {exists: false}})
    expect(await api().get('exists', {})).toMatchObject({status: 400, body: {error: 'Path is required'}})
  })

  it('metadata: size, mtime and content type on the uploads disk; 404 when missing; missing path 400', async () => {
    await api().form(
      'upload',
      {path: p('md.json'), content_type: 'application/json'},
      {name: 'file', data: Buffer.from('{}')},
    )
    const r = await api().get('metadata', {path: p('md.json')})
    expect(r).toMatchObject({
      status: 200,
      body: {success: true, path: p('md.json'), metadata: {size: 2, content_type: 'application/json'}},
    })
    expect(typeof r.body.metadata.mtime).toBe('number')
    expect(await api().get('metadata', {path: p('none.json')})).toMatchObject({
      status: 404,
      body: {error: 'File not found'},
    })
    expect(await api().get('metadata', {})).toMatchObject({status: 400, body: {error: 'Path is required'}})
  })

  it('cleanup: removes staging older than `hours` (a dry run only reports), keeps fresh staging', async () => {
    const chunked = path.join(pair.root, 'temp', 'chunked')
    const old = path.join(chunked, `old-${role}`)
    const fresh = path.join(chunked, `fresh-${role}`)
    const stray = path.join(pair.root, 'temp', `stray-${role}.part`)
    mkdirSync(old, {recursive: true})
    mkdirSync(fresh, {recursive: true})
    writeFileSync(path.join(old, 'chunk-0'), 'x')
    writeFileSync(stray, 'partial')
    const longAgo = new Date(Date.now() - 5 * 3_600_000)
    utimesSync(old, longAgo, longAgo)
    utimesSync(stray, longAgo, longAgo)
    const dry = await api().post('cleanup', {hours: 4, dry_run: true})
    expect(dry.status).toBe(200)
    expect(dry.body.result).toMatchObject({found: 2, failed: 0, failed_paths: [], dry_run: true})
    expect(existsSync(old)).toBe(true)
    const real = await api().post('cleanup', {hours: 4, dry_run: false})
    expect(real.body).toMatchObject({success: true, result: {found: 2, cleaned: 2, failed: 0, dry_run: false}})
    expect(real.body.result.cleaned_paths.sort()).toEqual([`temp/chunked/old-${role}`, `temp/stray-${role}.part`])
    expect(existsSync(old)).toBe(false)
    expect(existsSync(stray)).toBe(false)
    expect(existsSync(fresh)).toBe(true)
    expect((await api().post('cleanup', {hours: 'soon'})).status).toBe(400)
  })

  it(`health and the status alias: {status, storage_backend ${backend}, server_role ${role}, test_passed: true}`, async () => {
    for (const route of ['health', 'status']) {
      const r = await api().get(route)
      expect(r.status).toBe(200)
      expect(r.body).toEqual({status: 'healthy', storage_backend: backend, server_role: role, test_passed: true})
    }
  })

  it('no trailing slash: /internal/storage/health/ and unknown routes are 404', async () => {
    for (const route of ['health/', 'upload/', 'nope', '']) {
      const res = await fetch(new URL(`/internal/storage/${route}`, base()), {headers: {'X-API-Key': 'x'}})
      expect(res.status, route).toBe(404)
      await res.arrayBuffer()
    }
  })
})
