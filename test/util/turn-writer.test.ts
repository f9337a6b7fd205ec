/** The one per-turn batcher (src/util/turn-writer.ts): many writes in one turn → one hand-over, in order. */
import {describe, expect, it} from 'vitest'
import {type Chunk, joinChunks, TurnWriter} from '../../src/util/turn-writer.js'

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

  it('joinChunks: strings stay a string; with a Buffer among them, one Buffer of UTF-8', () => {
    expect(joinChunks(['a', 'é'])).toBe('aé')
    const mixed: Chunk[] = ['a', Buffer.from('é'), 'ü']
    const joined = joinChunks(mixed)
    expect(Buffer.isBuffer(joined)).toBe(true)
    expect(joined.toString()).toBe('aéü')
  })
})
