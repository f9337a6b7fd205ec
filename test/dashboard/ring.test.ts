import {describe, expect, it} from 'vitest'
import {ByteRing} from '../../src/dashboard/ring.js'
import {LogStore} from '../../src/dashboard/store.js'

const item = (bytes: number, id = 0) => ({bytes, id})

describe('ByteRing', () => {
  it('keeps entries in order with growing sequence numbers', () => {
    const ring = new ByteRing<{bytes: number; id: number}>(1000, 2)
    for (let i = 0; i < 10; i++) expect(ring.push(item(10, i))).toBe(i)
    expect(ring.size).toBe(10)
    expect(ring.firstSeq).toBe(0)
    expect(ring.nextSeq).toBe(10)
    expect([...ring.from(7)].map(([seq, e]) => [seq, e.id])).toEqual([
      [7, 7],
      [8, 8],
      [9, 9],
    ])
  })

  it('evicts the oldest entries once over the byte bound, and addresses by seq afterwards', () => {
    const ring = new ByteRing<{bytes: number; id: number}>(100, 4)
    for (let i = 0; i < 25; i++) ring.push(item(10, i))
    expect(ring.bytes).toBe(100)
    expect(ring.size).toBe(10)
    expect(ring.firstSeq).toBe(15)
    expect(ring.get(14)).toBeUndefined()
    expect(ring.get(15)?.id).toBe(15)
    expect(ring.get(24)?.id).toBe(24)
    expect(ring.get(25)).toBeUndefined()
  })

  it('always keeps the newest entry, even one bigger than the bound', () => {
    const ring = new ByteRing<{bytes: number; id: number}>(50, 2)
    ring.push(item(10, 1))
    ring.push(item(500, 2))
    expect(ring.size).toBe(1)
    expect(ring.get(ring.firstSeq)?.id).toBe(2)
  })

  it('stays bounded under a flood with mixed sizes', () => {
    const ring = new ByteRing<{bytes: number; id: number}>(2 * 1024 * 1024)
    for (let i = 0; i < 100_000; i++) ring.push(item(50 + (i % 200), i))
    expect(ring.bytes).toBeLessThanOrEqual(2 * 1024 * 1024)
    expect(ring.bytes).toBeGreaterThan(2 * 1024 * 1024 - 300)
    expect(ring.get(ring.nextSeq - 1)?.id).toBe(99_999)
  })
})

describe('LogStore', () => {
  it('bounds each unit separately and merges all units in arrival order', () => {
    const store = new LogStore({unitBytes: 1000, allBytes: 100_000})
    for (let i = 0; i < 100; i++) store.append({unit: 'web', stream: 'stdout', line: 'w'.repeat(52), ts: i})
    store.append({unit: 'services', stream: 'stdout', line: 'only one', ts: 200})
    expect(store.ring('web').bytes).toBeLessThanOrEqual(1000)
    expect(store.ring('services').size).toBe(1)
    const all = [...store.all.from(0)].map(([, e]) => e.unit)
    expect(all.length).toBe(101)
    expect(all.at(-1)).toBe('services')
  })
})
