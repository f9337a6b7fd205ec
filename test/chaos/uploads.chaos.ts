/**
 * Chaos rounds for uploads against a real built-in pair: uploads cut off at a random byte (straight to services,
 * through web's relay, through web's public /upload, and single chunks of a chunked upload), interleaved with
 * uploads that complete and with copies of one chunk sent at the same moment. After every round nothing partial
 * may be anywhere under the storage root, every upload that was answered 200 must still be there byte for byte,
 * and of concurrent copies of a chunk exactly the first stored is kept.
 *
 * Seeded (printed; CHAOS_SEED=<n> replays), every round bounded (a cut-off server gets a bounded time to discard
 * its partial file; past it the round counts the file as partial), a summary line at the end. No time is asserted.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  internal,
  KEY,
  multipartBody,
  type Pair,
  prng,
  sendCutOff,
  sendTogether,
  sha256,
  startPair,
  waitFor,
} from '../builtin/helpers.js'

const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31)
const ROUNDS = Number(process.env.CHAOS_UPLOADS) || 200
/** How long a round waits for the server to discard a cut-off upload's partial file. */
const SETTLE_MS = 5000

let pair: Pair
beforeAll(async () => {
  console.log(`chaos uploads: seed ${SEED} (replay with CHAOS_SEED=${SEED})`)
  pair = await startPair()
})
afterAll(async () => {
  await pair?.close()
})

/** Every regular file under `dir`, relative, with its size. */
function files(dir: string): Map<string, number> {
  const out = new Map<string, number>()
  const visit = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const abs = path.join(d, e.name)
      if (e.isDirectory()) visit(abs)
      else if (e.isFile()) {
        const size = statSync(abs, {throwIfNoEntry: false})?.size
        if (size !== undefined) out.set(path.relative(dir, abs), size)
      }
    }
  }
  visit(dir)
  return out
}

describe('chaos: uploads cut off at random bytes, and concurrent copies of a chunk', () => {
  it(`${ROUNDS} seeded rounds leave no partial file and lose no stored file`, async () => {
    const rand = prng(SEED)
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1))
    const bytes = (n: number) => {
      const b = Buffer.allocUnsafe(n)
      for (let i = 0; i < n; i += 4) b.writeUInt32LE(Math.floor(rand() * 2 ** 32) >>> 0, Math.min(i, n - 4))
      return n < 4 ? Buffer.alloc(n, 7) : b
    }
    const services = internal(pair.services.url)
    /** Uploads answered 200: path on the uploads disk → sha256 of what was sent. */
    const stored = new Map<string, string>()
    /** Paths of uploads that were cut off: nothing may ever appear there. */
    const cut = new Set<string>()
    /** Chunked uploads in flight: staging folder → size of each chunk number stored whole. */
    const chunkSizes = new Map<string, Map<number, Set<number>>>()
    let partialFiles = 0
    let dupRounds = 0
    const kinds: Record<string, number> = {}

    /** Files under the root that are partial: anything in temp/ but whole chunks and manifests, anything at a cut path. */
    const partials = (): string[] => {
      const bad: string[] = []
      for (const [rel, size] of files(path.join(pair.root, 'temp'))) {
        const m = /^chunked\/([0-9a-f-]{36})\/(manifest\.json|chunk-(\d+))$/.exec(rel.split(path.sep).join('/'))
        // A file services is writing right now is in flight, not left behind: a cut-off request's bytes may
        // still be on their way (through web) when the round ends. The end of the run checks temp/ is empty.
        if (pair.services.storage.isActive(path.join(pair.root, 'temp', rel))) continue
        if (!m) bad.push(`temp/${rel}`)
        else if (m[3] !== undefined && !chunkSizes.get(m[1])?.get(Number(m[3]))?.has(size)) bad.push(`temp/${rel}`)
      }
      const uploads = files(path.join(pair.root, 'uploads'))
      for (const p of cut) for (const f of [p, `${p}.meta`]) if (uploads.has(f)) bad.push(f)
      // Public uploads through web are only ever cut off here: none may have been stored.
      for (const f of uploads.keys()) if (f.startsWith('web-uploads')) bad.push(f)
      return bad
    }
    const settle = async (label: string) => {
      await waitFor(() => partials().length === 0, SETTLE_MS, 'partial files to be discarded').catch(() => {})
      const left = partials()
      partialFiles += left.length
      expect(left, label).toEqual([])
    }

    for (let round = 0; round < ROUNDS; round++) {
      const kind = ['services', 'web-relay', 'web-public', 'chunk', 'complete', 'duplicate'][int(0, 5)]
      kinds[kind] = (kinds[kind] ?? 0) + 1
      const p = `chaos/r${round}-${kind}.bin`
      const data = bytes(int(1, 600_000))
      const label = `round ${round} (${kind}, ${data.length} bytes, seed ${SEED})`
      if (kind === 'services' || kind === 'web-relay') {
        const base = kind === 'services' ? pair.services.url : pair.web.url
        const {body, contentType} = multipartBody({path: p, disk: 'uploads'}, {name: 'file', data})
        cut.add(p)
        await sendCutOff(
          `${base}/internal/storage/upload`,
          {'X-API-Key': KEY, 'Content-Type': contentType},
          body,
          int(1, body.length - 1),
        )
      } else if (kind === 'web-public') {
        const {body, contentType} = multipartBody({}, {name: 'file', data})
        await sendCutOff(`${pair.web.url}/upload`, {'Content-Type': contentType}, body, int(1, body.length - 1))
      } else if (kind === 'chunk') {
        const init = await services.form('upload_chunked', {action: 'init', path: p})
        const id = init.body.upload_id as string
        chunkSizes.set(id, new Map())
        const whole = await services.form(
          'upload_chunked',
          {action: 'chunk', upload_id: id, chunk_num: '0'},
          {name: 'chunk', data: data.subarray(0, data.length >> 1)},
        )
        expect(whole.status, label).toBe(200)
        chunkSizes.get(id)!.set(0, new Set([data.length >> 1]))
        const {body, contentType} = multipartBody(
          {action: 'chunk', upload_id: id, chunk_num: '1'},
          {name: 'chunk', data: data.subarray(data.length >> 1)},
        )
        await sendCutOff(
          `${pair.web.url}/internal/storage/upload_chunked`,
          {'X-API-Key': KEY, 'Content-Type': contentType},
          body,
          int(1, body.length - 1),
        )
      } else if (kind === 'complete') {
        const api = internal(rand() < 0.5 ? pair.services.url : pair.web.url)
        const r = await api.form('upload', {path: p, disk: 'uploads'}, {name: 'file', data})
        expect(r.status, label).toBe(200)
        stored.set(p, sha256(data))
      } else {
        dupRounds++
        const init = await services.form('upload_chunked', {action: 'init', path: p})
        const id = init.body.upload_id as string
        const copies = Array.from({length: int(2, 4)}, (_, i) => Buffer.concat([data, Buffer.alloc(i + 1, i)]))
        chunkSizes.set(id, new Map([[0, new Set(copies.map((c) => c.length))]]))
        const via = rand() < 0.5 ? pair.services.url : pair.web.url
        const answers = await sendTogether(
          `${via}/internal/storage/upload_chunked`,
          copies.map((c) => multipartBody({action: 'chunk', upload_id: id, chunk_num: '0'}, {name: 'chunk', data: c})),
        )
        for (const a of answers) expect(a.body, label).toEqual({success: true, chunk_num: 0})
        const storedLines = pair.servicesLog.filter((l) => l.includes(`chunk 0 of ${id} (`))
        const ignored = pair.servicesLog.filter((l) => l.includes(`chunk 0 of ${id} arrived again`))
        expect(storedLines, label).toHaveLength(1)
        expect(ignored, label).toHaveLength(copies.length - 1)
        const done = await services.form('upload_chunked', {action: 'complete', upload_id: id, total_chunks: '1'})
        expect(done.status, label).toBe(200)
        expect(storedLines[0], label).toContain(`(${done.body.size} bytes)`)
        const kept = copies.find((c) => c.length === done.body.size)!
        stored.set(p, sha256(kept))
      }
      await settle(label)
    }

    // Once every request has ended, nothing at all is left in temp/ but the staging of unfinished chunked uploads.
    const isStaging = (rel: string) => /^chunked\/[0-9a-f-]{36}\/(manifest\.json|chunk-\d+)$/.test(rel)
    const staleTemp = () => [...files(path.join(pair.root, 'temp')).keys()].filter((rel) => !isStaging(rel))
    await waitFor(() => staleTemp().length === 0, SETTLE_MS, 'temp/ to empty').catch(() => {})
    partialFiles += staleTemp().length
    expect(staleTemp(), `seed ${SEED}`).toEqual([])

    // Nothing answered 200 was lost or changed by the rounds after it.
    let lost = 0
    for (const [p, digest] of stored) {
      let ok = false
      try {
        ok = sha256(readFileSync(path.join(pair.root, 'uploads', p))) === digest
      } catch {}
      if (!ok) lost++
    }
    console.log(
      `chaos uploads: seed ${SEED}: ${ROUNDS} rounds (${Object.entries(kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(
          ', ',
        )}), ${dupRounds} duplicate-chunk rounds first-wins, ${stored.size} stored, partial files ${partialFiles}, lost files ${lost}`,
    )
    expect(lost, `seed ${SEED}`).toBe(0)
    expect(partialFiles, `seed ${SEED}`).toBe(0)
  })
})
