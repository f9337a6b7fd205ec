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
