/** The one per-turn batcher (src/util/turn-writer.ts): many writes in one turn → one hand-over, in order. */

import {Writable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {TurnWriter, writeParts} from '../../src/util/turn-writer.js'

const turn = () => new Promise((r) => setImmediate(r))

describe('TurnWriter', () => {
  it('10,000 writes in one turn → one hand-over, every part in order', async () => {
    const got: string[][] = []
    const out = new TurnWriter<string>((parts) => got.push(parts))
    for (let i = 0; i < 10_000; i++) out.write(`line ${i}\n`)
    expect(got).toHaveLength(0)
    expect(out.held).toBeGreaterThan(0)
    await turn()
    expect(got).toHaveLength(1)
    expect(got[0].join('')).toBe(Array.from({length: 10_000}, (_, i) => `line ${i}\n`).join(''))
    expect(out.held).toBe(0)
  })

  it('hands over at once when it holds maxLength, and flush() hands over what is held', () => {
    const got: string[] = []
    const out = new TurnWriter<string>((parts) => got.push(parts.join('')), 100)
    for (let i = 0; i < 30; i++) out.write('0123456789\n')
    expect(got.length).toBeGreaterThanOrEqual(3)
    out.flush()
    expect(got.join('')).toBe('0123456789\n'.repeat(30))
    expect(got.every((w) => w.endsWith('\n'))).toBe(true)
  })

  it('discard() drops what is held and the pending turn', async () => {
    const got: string[][] = []
    const out = new TurnWriter<string>((parts) => got.push(parts))
    out.write('lost\n')
    out.discard()
    await turn()
    expect(got).toHaveLength(0)
    out.write('kept\n')
    await turn()
    expect(got).toEqual([['kept\n']])
  })

  it('writeParts: one writev for a stream that takes many, adjacent strings joined, the bytes in order', async () => {
    const calls: Buffer[][] = []
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        calls.push([chunk])
        done()
      },
      writev(chunks, done) {
        calls.push(chunks.map((c) => c.chunk as Buffer))
        done()
      },
    })
    writeParts(stream, ['a', 'é\n', Buffer.from('b\n'), Buffer.from('c\n'), 'd', '\n'])
    await turn()
    expect(calls).toHaveLength(1)
    expect(calls[0]).toHaveLength(4)
    expect(Buffer.concat(calls[0]).toString()).toBe('aé\nb\nc\nd\n')
  })
})
