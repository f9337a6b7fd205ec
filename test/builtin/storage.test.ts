/** Storage.stage: bytes in any piece sizes come out whole and hashed; a failing source leaves no temp file. */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'
import {afterAll, describe, expect, it} from 'vitest'
import {Storage} from '../../src/builtin/storage.js'
import {tempDir} from '../helpers/index.js'
import {prng, randomData, sha256} from './helpers.js'

const t = tempDir('nac-stage-')
afterAll(() => t.cleanup())

describe('Storage.stage', () => {
  it('writes pieces of every size across several 1 MiB buffers, byte for byte, with the right SHA-256', async () => {
    const storage = new Storage(path.join(t.dir, 'ws'))
    const data = randomData(5 * 1024 * 1024 + 12_345)
    const random = prng(7)
    const pieces: Buffer[] = []
    for (let at = 0; at < data.length; ) {
      const n = Math.min(data.length - at, 1 + Math.floor(random() * 300_000))
      pieces.push(data.subarray(at, at + n))
      at += n
    }
    const staged = await storage.stage(Readable.from(pieces))
    expect(staged.size).toBe(data.length)
    expect(staged.sha256).toBe(sha256(data))
    expect(readFileSync(staged.temp).equals(data)).toBe(true)
    await storage.discard(staged)
    expect(readdirSync(storage.temp).filter((n) => n !== 'chunked')).toEqual([])
  })

  // The writes bypass the page cache where the file system allows it: whole 1 MiB buffers, the last padded to a page
  // and the file cut back. Sizes around a page and a buffer are where padding or cutting back could go wrong.
  const edges = [0, 1, 4095, 4096, 4097, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 123]
  const stageEach = async (root: string, options?: {directWrites: boolean}) => {
    const storage = new Storage(root, options)
    for (const size of edges) {
      const data = randomData(size)
      const staged = await storage.stage(Readable.from([data]))
      expect({size: staged.size, sha: staged.sha256}).toEqual({size, sha: sha256(data)})
      expect(readFileSync(staged.temp).equals(data), `${size} bytes stored as written`).toBe(true)
      await storage.discard(staged)
    }
  }

  it('stores sizes at every page and buffer edge exactly, on the disk the tests run on', async () => {
    await stageEach(path.join(t.dir, 'edges'))
  })

  it('stores the same sizes exactly through the page cache (where a file system refuses direct writes)', async () => {
    await stageEach(path.join(t.dir, 'edges-buffered'), {directWrites: false})
  })

  it('keeps concurrent uploads and uploads after a failed one apart (the write buffers are reused)', async () => {
    const storage = new Storage(path.join(t.dir, 'ws-concurrent'))
    async function* failing() {
      yield randomData(2 * 1024 * 1024 + 7)
      throw new Error('source broke')
    }
    await expect(storage.stage(failing())).rejects.toThrow('source broke')
    const datas = [0, 1, 2, 3].map((i) => randomData(2 * 1024 * 1024 + 1000 * i))
    const piecesOf = (data: Buffer) =>
      Array.from({length: Math.ceil(data.length / 65536)}, (_, i) => data.subarray(i * 65536, (i + 1) * 65536))
    const staged = await Promise.all(datas.map((d) => storage.stage(Readable.from(piecesOf(d)))))
    for (const [i, s] of staged.entries()) {
      expect(readFileSync(s.temp).equals(datas[i]), `upload ${i} stored as written`).toBe(true)
      expect(s.sha256).toBe(sha256(datas[i]))
    }
    const again = randomData(1024 * 1024 + 5)
    const last = await storage.stage(Readable.from([again]))
    expect(readFileSync(last.temp).equals(again)).toBe(true)
  })

  it('removes its temp file when the source fails part-way', async () => {
    const storage = new Storage(path.join(t.dir, 'ws2'))
    async function* failing() {
      yield randomData(3 * 1024 * 1024)
      throw new Error('source broke')
    }
    await expect(storage.stage(failing())).rejects.toThrow('source broke')
    expect(readdirSync(storage.temp).filter((n) => n !== 'chunked')).toEqual([])
  })
})
