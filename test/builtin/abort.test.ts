/**
 * Uploads cut off at random offsets, again and again: straight to services, through web's /upload, and through
 * web's relay. Nothing partial may appear in uploads/, nothing may stay in temp/, and cleanup finds nothing left.
 * The seed is printed so a failing run can be replayed (NAC_ABORT_SEED).
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  internal,
  KEY,
  multipartBody,
  type Pair,
  prng,
  randomData,
  sendCutOff,
  startPair,
  tempLeftovers,
  tree,
  waitFor,
} from './helpers.js'

const ROUNDS = 15
const seed = Number(process.env.NAC_ABORT_SEED ?? Date.now() % 1_000_000)
const random = prng(seed)

let pair: Pair
beforeAll(async () => {
  pair = await startPair()
  console.log(`abort test seed: ${seed} (replay with NAC_ABORT_SEED=${seed})`)
})
afterAll(async () => {
  await pair?.close()
})

const uploadsFiles = () => tree(path.join(pair.root, 'uploads')).filter((p) => !p.endsWith('/'))
const accessLogged = (log: string[], rid: string) => log.some((l) => l.includes(`[req ${rid}]`) && l.includes('" '))

async function cutOffRounds(opts: {
  url: () => string
  headers: Record<string, string>
  log: () => string[]
  fields: (i: number) => Record<string, string>
  fileField: string
}) {
  const data = randomData(512 * 1024)
  for (let i = 0; i < ROUNDS; i++) {
    const {body, contentType} = multipartBody(opts.fields(i), {name: opts.fileField, data})
    // Anywhere in the body, from its first byte to one short of the last.
    const cut = Math.floor(random() * (body.length - 1))
    const rid = `abort${seed}r${i}`
    await sendCutOff(opts.url(), {...opts.headers, 'Content-Type': contentType, 'X-Request-ID': rid}, body, cut)
    await waitFor(
      () => accessLogged(opts.log(), rid),
      15_000,
      `the access line of ${rid} (cut at ${cut} of ${body.length})`,
    )
    await waitFor(() => tempLeftovers(pair.root).length === 0, 15_000, `temp/ to empty after ${rid}`)
    expect(uploadsFiles(), `cut at byte ${cut} of ${body.length}`).toEqual([])
  }
}

describe('uploads cut off at random offsets', () => {
  it('straight to services: no partial file in uploads/, nothing left in temp/', async () => {
    await cutOffRounds({
      url: () => `${pair.services.url}/internal/storage/upload`,
      headers: {'X-API-Key': KEY},
      log: () => pair.servicesLog,
      fields: (i) => ({path: `direct/${i}.bin`, disk: 'uploads'}),
      fileField: 'file',
    })
    expect(pair.servicesLog.some((l) => l.includes('the partial upload was discarded'))).toBe(true)
  })

  it("through web's /upload: the relayed request is aborted and services discards the partial file", async () => {
    await cutOffRounds({
      url: () => `${pair.web.url}/upload`,
      headers: {},
      log: () => pair.webLog,
      fields: () => ({}),
      fileField: 'file',
    })
  })

  it("through web's relay of /internal/storage/upload", async () => {
    await cutOffRounds({
      url: () => `${pair.web.url}/internal/storage/upload`,
      headers: {'X-API-Key': KEY},
      log: () => pair.webLog,
      fields: (i) => ({path: `relay/${i}.bin`}),
      fileField: 'file',
    })
  })

  it('a chunk cut off mid-way is not stored; the upload still completes with the chunk sent again', async () => {
    const api = internal(pair.services.url)
    const init = await api.form('upload_chunked', {action: 'init', path: 'chunked/whole.bin'})
    const id = init.body.upload_id
    const data = randomData(200_000)
    const {body, contentType} = multipartBody({action: 'chunk', upload_id: id, chunk_num: '0'}, {name: 'chunk', data})
    const rid = `abort${seed}chunk`
    await sendCutOff(
      `${pair.services.url}/internal/storage/upload_chunked`,
      {'X-API-Key': KEY, 'Content-Type': contentType, 'X-Request-ID': rid},
      body,
      Math.floor(body.length / 2),
    )
    await waitFor(() => accessLogged(pair.servicesLog, rid), 15_000, 'the cut chunk to be handled')
    expect(tree(path.join(pair.root, 'temp', 'chunked', id))).toEqual(['manifest.json'])
    expect(
      (await api.form('upload_chunked', {action: 'chunk', upload_id: id, chunk_num: '0'}, {name: 'chunk', data}))
        .status,
    ).toBe(200)
    const done = await api.form('upload_chunked', {action: 'complete', upload_id: id, total_chunks: '1'})
    expect(done.body).toMatchObject({success: true, size: data.length})
    expect(readFileSync(path.join(pair.root, 'uploads', 'chunked', 'whole.bin'))).toEqual(data)
  })

  it('after all that, cleanup finds nothing to remove and temp/ is empty', async () => {
    const r = await internal(pair.services.url).post('cleanup', {hours: 0})
    expect(r.body.result).toMatchObject({found: 0, cleaned: 0, failed: 0})
    expect(tempLeftovers(pair.root)).toEqual([])
  })
})
