/**
 * Test bytes: a deterministic pseudo-random stream (the AES-128-CTR keystream of a seed), produced on the fly so
 * that a 64 MiB upload is never held in memory or written to a local file, and hashed while it is sent.
 * Random-looking bytes matter: a server that compresses or dedups zeros would look faster than it is.
 */
import {createCipheriv, createHash, type Hash} from 'node:crypto'
import {Readable, Transform, type TransformCallback} from 'node:stream'

const BLOCK = 256 * 1024

function keystream(seed: string) {
  const key = createHash('sha256').update(seed).digest()
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32))
}

/** `size` deterministic bytes for `seed`, as a stream. */
export function generatedStream(size: number, seed: string): Readable {
  const cipher = keystream(seed)
  const zeros = Buffer.alloc(BLOCK)
  let left = size
  return new Readable({
    highWaterMark: BLOCK,
    read() {
      if (left <= 0) {
        this.push(null)
        return
      }
      const n = Math.min(BLOCK, left)
      left -= n
      this.push(cipher.update(n === BLOCK ? zeros : zeros.subarray(0, n)))
    },
  })
}

/** The same bytes as generatedStream, in memory: only for small files. */
export function generatedBuffer(size: number, seed: string): Buffer {
  return keystream(seed).update(Buffer.alloc(size))
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A pass-through that hashes and counts the bytes going through it. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256')
  bytes = 0
  private hex?: string

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    done(null, chunk)
  }

  /** The hex digest; call once the stream has ended. */
  digest(): string {
    this.hex ??= this.hash.digest('hex')
    return this.hex
  }
}
