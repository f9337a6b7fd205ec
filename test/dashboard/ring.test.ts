import {describe, expect, it} from 'vitest'
import {LINE_OVERHEAD, LineRing} from '../../src/dashboard/ring.js'
import {LogStore} from '../../src/dashboard/store.js'

const push = (ring: LineRing, raw: string, ts = 0, unit = 'web') => ring.push(unit, 'stdout', raw, ts)

describe('LineRing', () => {
  it('keeps lines in order with growing sequence numbers, and gives back what was stored', () => {
    const ring = new LineRing(100_000)
    for (let i = 0; i < 10; i++) expect(push(ring, `line ${i}`, 1000 + i)).toBe(i)
    ring.push('services', 'stderr', '\x1b[31mrød {bold} ✓\x1b[0m', 2000)
    ring.push('web', 'system', '', 2001)
    expect(ring.size).toBe(12)
    expect(ring.firstSeq).toBe(0)
    expect(ring.nextSeq).toBe(12)
    expect([...ring.from(8)].map(([seq, e]) => [seq, e.unit, e.stream, e.raw, e.ts])).toEqual([
      [8, 'web', 'stdout', 'line 8', 1008],
      [9, 'web', 'stdout', 'line 9', 1009],
      [10, 'services', 'stderr', '\x1b[31mrød {bold} ✓\x1b[0m', 2000],
      [11, 'web', 'system', '', 2001],
    ])
    expect(ring.get(10)?.bytes).toBe(Buffer.byteLength('\x1b[31mrød {bold} ✓\x1b[0m') + LINE_OVERHEAD)
    expect(ring.get(12)).toBeUndefined()
  })

  it('drops the oldest lines once over the byte bound, and addresses by seq afterwards', () => {
    const ring = new LineRing(4096)
    for (let i = 0; i < 1000; i++) push(ring, `line ${String(i).padStart(4, '0')}`, i)
    expect(ring.bytes).toBeLessThanOrEqual(4096)
    // Whole pages (a sixteenth of the bound here) go at once: never much less than the bound is kept.
    expect(ring.bytes).toBeGreaterThan(4096 - 4096 / 16 - 30)
    expect(ring.nextSeq).toBe(1000)
    const first = ring.firstSeq
    expect(first).toBeGreaterThan(800)
    expect(ring.get(first - 1)).toBeUndefined()
    expect(ring.get(first)?.raw).toBe(`line ${String(first).padStart(4, '0')}`)
    expect(ring.get(999)?.raw).toBe('line 0999')
    expect(ring.size).toBe(1000 - first)
  })

  it('always keeps the newest line, even one bigger than the bound', () => {
    const ring = new LineRing(300)
    push(ring, 'small')
    push(ring, 'x'.repeat(5000))
    expect(ring.size).toBe(1)
    expect(ring.get(ring.firstSeq)?.raw).toBe('x'.repeat(5000))
    push(ring, 'after')
    expect(ring.get(ring.nextSeq - 1)?.raw).toBe('after')
    expect(ring.bytes).toBeLessThanOrEqual(300)
  })

  it('stays bounded under a flood with mixed sizes and multi-byte text', () => {
    const ring = new LineRing(2 * 1024 * 1024)
    for (let i = 0; i < 100_000; i++) push(ring, `${i} ${'é'.repeat(i % 200)}`, i)
    expect(ring.bytes).toBeLessThanOrEqual(2 * 1024 * 1024)
    expect(ring.bytes).toBeGreaterThan(2 * 1024 * 1024 - 64 * 1024 - 500)
    expect(ring.get(ring.nextSeq - 1)?.raw).toBe(`99999 ${'é'.repeat(99_999 % 200)}`)
    const seq = ring.firstSeq + 123
    expect(ring.get(seq)?.raw).toBe(`${seq} ${'é'.repeat(seq % 200)}`)
    expect(ring.get(seq)?.ts).toBe(seq)
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
    // The merged view keeps its own copy: a line the unit's ring dropped still shows in it.
    expect(store.ring('web').get(0)).toBeUndefined()
    expect(store.all.get(0)?.raw).toBe('w'.repeat(52))
  })
})
