/**
 * The depot's wire contract (shared/contract/internal-storage-api.md), statement by statement, against a real
 * built-in pair on run-time ports: one describe per route, each statement through services and, where the contract
 * speaks of web, through web. Deliberate improvements the contract marks "built-in:" are pinned as such.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startServicesServer, startWebServer} from '../../src/builtin/index.js'
import {freePort} from '../helpers/index.js'
import {internal, KEY, type Pair, randomData, rawRequest, sha256, startPair} from './helpers.js'

let pair: Pair
beforeAll(async () => {
  pair = await startPair()
})
afterAll(async () => {
  await pair?.close()
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SERVERS = [
  ['services', () => pair.services.url],
  ['web', () => pair.web.url],
] as const
/** `it` once through services and once through web's relay; `p(name)` gives a path of that run's own. */
function both(title: string, body: (api: ReturnType<typeof internal>, p: (name: string) => string) => Promise<void>) {
  it.each(SERVERS)(`${title} (through %s)`, async (label, base) => {
    await body(internal(base()), (name) => `contract-${label}/${name}`)
  })
}
const onDisk = (disk: string, rel: string) => path.join(pair.root, disk, rel)
const put = (api: ReturnType<typeof internal>, p: string, data: string | Buffer, fields: Record<string, string> = {}) =>
  api.form('upload', {path: p, disk: 'uploads', ...fields}, {name: 'file', data: Buffer.from(data)})

/** A web server whose services URL is a free port where nothing listens. */
async function withServicesDown(body: (webUrl: string, servicesUrl: string) => Promise<void>): Promise<void> {
  const servicesUrl = `http://127.0.0.1:${await freePort()}`
  const web = await startWebServer({port: 0, servicesUrl, apiKey: KEY, log: () => {}})
  try {
    await body(web.url, servicesUrl)
  } finally {
    await web.close(100)
  }
}

describe('authentication', () => {
  both('X-API-Key is the header the depot reads', async (api) => {
    expect((await api.get('health')).status).toBe(200)
  })

  both("built-in: the seed's X-Internal-API-Key is accepted too", async (api) => {
    const res = await fetch(api.url('health'), {headers: {'X-Internal-API-Key': KEY}})
    expect(res.status).toBe(200)
  })

  it.each(SERVERS)('a missing or wrong key is 403 (through %s)', async (_label, base) => {
    expect((await internal(base(), '').get('exists', {path: 'x'})).status).toBe(403)
    expect((await internal(base(), 'wrong-key').get('exists', {path: 'x'})).status).toBe(403)
    // The log of the server refusing says which.
    const log = _label === 'services' ? pair.servicesLog : pair.webLog
    expect(log.some((l) => l.includes('no X-API-Key header'))).toBe(true)
    expect(log.some((l) => l.includes('wrong X-API-Key'))).toBe(true)
  })

  it('no key configured on the server: 403, and the services log says which', async () => {
    const log: string[] = []
    const bare = await startServicesServer({
      port: 0,
      storageRoot: path.join(pair.dir, 'nokey'),
      log: (l) => log.push(l),
    })
    try {
      expect((await internal(bare.url).get('exists', {path: 'x'})).status).toBe(403)
      expect(log.some((l) => l.includes('no INTERNAL_API_KEY is configured'))).toBe(true)
    } finally {
      await bare.close(100)
    }
  })

  it.each(SERVERS)(
    'the method is checked before the key: 405, an Allow header and an empty body, even without a key (%s)',
    async (_label, base) => {
      for (const [route, allow, method] of [
        ['upload', 'POST', 'GET'],
        ['download', 'GET', 'POST'],
        ['health', 'GET', 'DELETE'],
      ]) {
        const r = await rawRequest(`${base()}/internal/storage/${route}`, {
          method,
          body: method === 'POST' ? 'x' : undefined,
        })
        expect(r.status, route).toBe(405)
        expect(r.headers.allow, route).toBe(allow)
        expect(r.text, route).toBe('')
      }
    },
  )
})

describe('routes in general', () => {
  both('no trailing slash: …/health/ is 404', async (api) => {
    const res = await fetch(`${api.url('health')}/`, {headers: {'X-API-Key': KEY}})
    expect(res.status).toBe(404)
  })

  both('built-in: status is an alias of health', async (api) => {
    const health = await api.get('health')
    const status = await api.get('status')
    expect(status.status).toBe(200)
    expect(status.body).toEqual(health.body)
  })
})

describe('upload', () => {
  both('stores the file part "file" at path; answers {success, path as sent, size}', async (api, p) => {
    const data = randomData(10_000)
    const r = await api.form('upload', {path: p('u/a.bin')}, {name: 'file', data})
    expect(r.status).toBe(200)
    expect({success: r.body.success, path: r.body.path, size: r.body.size}).toEqual({
      success: true,
      path: p('u/a.bin'),
      size: data.length,
    })
    expect(readFileSync(onDisk('uploads', p('u/a.bin')))).toEqual(data)
  })

  both(
    'content_type and metadata (a JSON string) go to the sidecar; invalid metadata JSON is ignored',
    async (api, p) => {
      await put(api, p('u/m.csv'), 'a,b', {content_type: 'text/csv', metadata: '{"study":"s1"}'})
      const meta = JSON.parse(readFileSync(onDisk('uploads', `${p('u/m.csv')}.meta`), 'utf8'))
      expect(meta).toMatchObject({study: 's1', content_type: 'text/csv', file_size: 3, sha256: sha256('a,b')})
      expect(Number.isNaN(Date.parse(meta.created_at))).toBe(false)
      const bad = await put(api, p('u/bad.txt'), 'x', {metadata: '{oops'})
      expect(bad.status).toBe(200)
    },
  )

  both('disk picks the disk; one leading "<disk>/" is stripped', async (api, p) => {
    await api.form('upload', {path: `scratch/${p('u/s.txt')}`, disk: 'scratch'}, {name: 'file', data: Buffer.from('s')})
    expect(readFileSync(onDisk('scratch', p('u/s.txt')), 'utf8')).toBe('s')
  })

  both('missing path: 400 "Path is required"; missing file: 400 "File is required"', async (api, p) => {
    expect((await api.form('upload', {}, {name: 'file', data: Buffer.from('x')})).body).toEqual({
      error: 'Path is required',
    })
    const r = await api.form('upload', {path: p('u/nofile.txt')})
    expect(r.status).toBe(400)
    expect(r.body).toEqual({error: 'File is required'})
  })
})

describe('upload_chunked', () => {
  both(
    'init → upload_id; chunks numbered from 0 → chunk_num; complete → {success, path, size, chunks}',
    async (api, p) => {
      const init = await api.form('upload_chunked', {
        action: 'init',
        path: p('c/big.bin'),
        content_type: 'application/x-test',
        metadata: '{"k":"v"}',
        disk: 'uploads',
      })
      expect(init.status).toBe(200)
      expect(init.body.success).toBe(true)
      expect(init.body.upload_id).toMatch(UUID)
      const parts = [randomData(5000), randomData(7000), randomData(10)]
      for (const [i, data] of parts.entries()) {
        const r = await api.form(
          'upload_chunked',
          {action: 'chunk', upload_id: init.body.upload_id, chunk_num: String(i)},
          {name: 'chunk', data},
        )
        expect(r.body).toEqual({success: true, chunk_num: i})
      }
      const done = await api.form('upload_chunked', {
        action: 'complete',
        upload_id: init.body.upload_id,
        total_chunks: '3',
      })
      expect(done.status).toBe(200)
      expect(done.body).toMatchObject({success: true, path: p('c/big.bin'), size: 12_010, chunks: 3})
      expect(readFileSync(onDisk('uploads', p('c/big.bin')))).toEqual(Buffer.concat(parts))
      const meta = JSON.parse(readFileSync(onDisk('uploads', `${p('c/big.bin')}.meta`), 'utf8'))
      expect(meta).toMatchObject({k: 'v', content_type: 'application/x-test', file_size: 12_010})
    },
  )

  both(
    'built-in: a repeated chunk_num is ignored (the client retries POSTs); the first copy is kept',
    async (api, p) => {
      const init = await api.form('upload_chunked', {action: 'init', path: p('c/rep.bin')})
      const id = init.body.upload_id
      const send = (text: string) =>
        api.form(
          'upload_chunked',
          {action: 'chunk', upload_id: id, chunk_num: '0'},
          {name: 'chunk', data: Buffer.from(text)},
        )
      expect((await send('first')).body).toEqual({success: true, chunk_num: 0})
      expect((await send('second!')).body).toEqual({success: true, chunk_num: 0})
      await api.form('upload_chunked', {action: 'complete', upload_id: id, total_chunks: '1'})
      expect(readFileSync(onDisk('uploads', p('c/rep.bin')), 'utf8')).toBe('first')
    },
  )

  both('missing fields: 400 naming them (upload ID, chunk)', async (api) => {
    expect((await api.form('upload_chunked', {action: 'chunk', chunk_num: '0'})).body).toEqual({
      error: 'Upload ID is required',
    })
    const init = await api.form('upload_chunked', {action: 'init', path: 'contract-x/c.bin'})
    const r = await api.form('upload_chunked', {action: 'chunk', upload_id: init.body.upload_id, chunk_num: '0'})
    expect(r.body).toEqual({error: 'Chunk is required'})
    expect((await api.form('upload_chunked', {action: 'init'})).body).toEqual({error: 'Path is required'})
  })
})

describe('download', () => {
  both(
    'the bytes, Content-Type from the stored metadata, Content-Disposition attachment with the basename',
    async (api, p) => {
      await put(api, p('d/report.csv'), 'x,y\n1,2\n', {content_type: 'text/csv'})
      const r = await api.getRaw('download', {path: p('d/report.csv'), disk: 'uploads'})
      expect(r.status).toBe(200)
      expect(r.bytes.toString()).toBe('x,y\n1,2\n')
      expect(r.headers.get('content-type')).toBe('text/csv')
      expect(r.headers.get('content-disposition')).toBe('attachment; filename="report.csv"')
    },
  )

  both('disk defaults to local', async (api, p) => {
    await api.form('upload', {path: p('d/l.txt'), disk: 'local'}, {name: 'file', data: Buffer.from('local!')})
    expect((await api.getRaw('download', {path: p('d/l.txt')})).bytes.toString()).toBe('local!')
  })

  both('a missing file is 404 {"error":"File not found"}; a missing path 400', async (api, p) => {
    const r = await api.get('download', {path: p('d/none.txt'), disk: 'uploads'})
    expect(r.status).toBe(404)
    expect(r.body).toEqual({error: 'File not found'})
    expect((await api.get('download', {})).body).toEqual({error: 'Path is required'})
  })
})

describe('delete', () => {
  both(
    '{path, disk} (disk default scratch): success true, then false when already gone; the sidecar goes too',
    async (api, p) => {
      await api.form('upload', {path: p('x/del.txt'), disk: 'scratch'}, {name: 'file', data: Buffer.from('d')})
      const r = await api.post('delete', {path: p('x/del.txt')})
      expect(r.body).toEqual({success: true, path: p('x/del.txt')})
      expect(existsSync(onDisk('scratch', p('x/del.txt')))).toBe(false)
      expect(existsSync(onDisk('scratch', `${p('x/del.txt')}.meta`))).toBe(false)
      expect((await api.post('delete', {path: p('x/del.txt')})).body).toEqual({success: false, path: p('x/del.txt')})
    },
  )

  both('missing path: 400 "Path is required"', async (api) => {
    expect((await api.post('delete', {disk: 'uploads'})).body).toEqual({error: 'Path is required'})
  })
})

describe('delete_prefix', () => {
  both('the uploads disk, always; deleted_count counts data files, not their .meta sidecars', async (api, p) => {
    for (let i = 0; i < 7; i++) await put(api, p(`dp/f${i}.txt`), `f${i}`)
    await put(api, p('dpkeep.txt'), 'keep')
    const r = await api.post('delete_prefix', {prefix: p('dp/')})
    expect(r.body).toEqual({success: true, deleted_count: 7, prefix: p('dp/')})
    expect(existsSync(onDisk('uploads', p('dp')))).toBe(false)
    expect(existsSync(onDisk('uploads', p('dpkeep.txt')))).toBe(true)
  })

  both('missing prefix: 400; built-in: a prefix resolving to the disk root is 400 naming prefix', async (api) => {
    expect((await api.post('delete_prefix', {})).body).toEqual({error: 'Prefix is required'})
    const r = await api.post('delete_prefix', {prefix: 'uploads/'})
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/^Invalid prefix/)
  })
})

describe('list', () => {
  both(
    'prefix (default empty) on the uploads disk: paths, sidecars included, with count and prefix',
    async (api, p) => {
      await put(api, p('l/a.txt'), 'a')
      const r = await api.get('list', {prefix: p('l/')})
      expect(r.body).toEqual({
        success: true,
        files: [p('l/a.txt'), `${p('l/a.txt')}.meta`],
        count: 2,
        prefix: p('l/'),
      })
      const all = await api.get('list')
      expect(all.body.prefix).toBe('')
      expect(all.body.files).toContain(p('l/a.txt'))
    },
  )

  both("include_metadata is true when value.lower() == 'true': the depot's own client sends True", async (api, p) => {
    await put(api, p('lm/a.txt'), 'abc')
    for (const value of ['True', 'true', 'TRUE']) {
      const r = await api.get('list', {prefix: p('lm/'), include_metadata: value})
      expect(r.body.files[0], value).toEqual({path: p('lm/a.txt'), mtime: expect.any(Number), size: 3})
    }
    for (const value of ['False', '1', 'yes', '']) {
      const r = await api.get('list', {prefix: p('lm/'), include_metadata: value})
      expect(r.body.files[0], value).toBe(p('lm/a.txt'))
    }
  })

  both('mtime is epoch seconds as a float', async (api, p) => {
    await put(api, p('lt/a.txt'), 'abc')
    const r = await api.get('list', {prefix: p('lt/'), include_metadata: 'True'})
    const st = statSync(onDisk('uploads', p('lt/a.txt')))
    expect(r.body.files[0].mtime).toBe(st.mtimeMs / 1000)
  })
})

describe('exists', () => {
  both('{success, exists, path}; disk defaults to local', async (api, p) => {
    await api.form('upload', {path: p('e/here.txt'), disk: 'local'}, {name: 'file', data: Buffer.from('h')})
    expect((await api.get('exists', {path: p('e/here.txt')})).body).toEqual({
      success: true,
      exists: true,
      path: p('e/here.txt'),
    })
    expect((await api.get('exists', {path: p('e/here.txt'), disk: 'uploads'})).body.exists).toBe(false)
    expect((await api.get('exists', {})).body).toEqual({error: 'Path is required'})
  })
})

describe('metadata', () => {
  both(
    'the uploads disk: {success, path, metadata: {size, mtime (epoch seconds, float), content_type}}',
    async (api, p) => {
      await put(api, p('m/a.json'), '{}', {content_type: 'application/json'})
      const r = await api.get('metadata', {path: p('m/a.json')})
      const st = statSync(onDisk('uploads', p('m/a.json')))
      expect(r.body).toEqual({
        success: true,
        path: p('m/a.json'),
        metadata: {size: 2, mtime: st.mtimeMs / 1000, content_type: 'application/json'},
      })
    },
  )

  both('a missing file is 404 {"error":"File not found"}', async (api, p) => {
    const r = await api.get('metadata', {path: p('m/none')})
    expect(r.status).toBe(404)
    expect(r.body).toEqual({error: 'File not found'})
  })
})

describe('cleanup', () => {
  both(
    '{"hours","dry_run"} → {success, result: {found, cleaned, failed, cleaned_paths, failed_paths, dry_run}}',
    async (api) => {
      const r = await api.post('cleanup', {hours: 4, dry_run: false})
      expect(r.status).toBe(200)
      expect(r.body).toEqual({
        success: true,
        result: {
          found: expect.any(Number),
          cleaned: expect.any(Number),
          failed: 0,
          cleaned_paths: expect.any(Array),
          failed_paths: [],
          dry_run: false,
        },
      })
    },
  )

  both('dry_run is read as the depot reads a boolean: true, or a string whose lower case is "true"', async (api) => {
    for (const value of [true, 'True', 'true']) {
      expect((await api.post('cleanup', {hours: 4, dry_run: value})).body.result.dry_run, String(value)).toBe(true)
    }
    for (const value of [false, 'False', 'no']) {
      expect((await api.post('cleanup', {hours: 4, dry_run: value})).body.result.dry_run, String(value)).toBe(false)
    }
  })
})

describe('health', () => {
  it('services: {status: healthy, storage_backend: LocalFileSystemStorage, server_role: services, test_passed}', async () => {
    expect((await internal(pair.services.url).get('health')).body).toEqual({
      status: 'healthy',
      storage_backend: 'LocalFileSystemStorage',
      server_role: 'services',
      test_passed: true,
    })
  })

  it("web: RemoteStorageDriver; with the key it tests the whole web→services path (test_passed is services')", async () => {
    expect((await internal(pair.web.url).get('health')).body).toEqual({
      status: 'healthy',
      storage_backend: 'RemoteStorageDriver',
      server_role: 'web',
      test_passed: true,
    })
  })

  it('web answers 200 even when services is down, with test_passed false (ready = 200 and test_passed true)', async () => {
    await withServicesDown(async (web) => {
      const r = await internal(web).get('health')
      expect(r.status).toBe(200)
      expect(r.body).toMatchObject({status: 'healthy', server_role: 'web', test_passed: false})
    })
  })
})

describe('disks and storage', () => {
  both('the eight disk names are accepted; any other is 400 naming disk', async (api, p) => {
    for (const disk of ['uploads', 'scratch', 'workspace', 'local', 'data', 'downloads', 'attachments', 'reports']) {
      const r = await api.form('upload', {path: p(`disk/${disk}.txt`), disk}, {name: 'file', data: Buffer.from(disk)})
      expect(r.status, disk).toBe(200)
      expect(readFileSync(onDisk(disk, p(`disk/${disk}.txt`)), 'utf8')).toBe(disk)
    }
    const r = await api.form('upload', {path: p('disk/x.txt'), disk: 'nas'}, {name: 'file', data: Buffer.from('x')})
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/^Invalid disk/)
  })

  both('".." may be used while the result stays inside the root', async (api, p) => {
    expect((await put(api, p('dots/a/../b.txt'), 'b')).status).toBe(200)
    expect(readFileSync(onDisk('uploads', p('dots/b.txt')), 'utf8')).toBe('b')
  })

  it('built-in: the storage root holds uploads/, processed/, temp/ and the other disks beside them', () => {
    for (const dir of [
      'uploads',
      'processed',
      'temp',
      'scratch',
      'workspace',
      'local',
      'data',
      'downloads',
      'attachments',
      'reports',
    ]) {
      expect(statSync(path.join(pair.root, dir)).isDirectory(), dir).toBe(true)
    }
  })
})

describe('the web-side client', () => {
  both('list, metadata and delete_prefix sent without disk act on the uploads disk', async (api, p) => {
    await put(api, p('wc/a.txt'), 'a')
    expect((await api.get('list', {prefix: p('wc/')})).body.count).toBe(2)
    expect((await api.get('metadata', {path: p('wc/a.txt')})).body.metadata.size).toBe(1)
    expect((await api.post('delete_prefix', {prefix: p('wc/')})).body.deleted_count).toBe(1)
  })

  it("built-in: web answers at once with 502 naming services' URL when services is down", async () => {
    await withServicesDown(async (web, servicesUrl) => {
      const r = await internal(web).get('exists', {path: 'x'})
      expect(r.status).toBe(502)
      expect(r.body.error).toContain(servicesUrl)
    })
  })
})
