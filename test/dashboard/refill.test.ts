import {describe, expect, it} from 'vitest'
import {Refill} from '../../src/dashboard/refill.js'
import {LogStore} from '../../src/dashboard/store.js'
import type {LogLine} from '../../src/session/protocol.js'

const at = (ts: number, line: string, unit = 'web'): LogLine => ({unit, stream: 'stdout', line, ts})
const lines = (store: LogStore, unit: string) => {
  const ring = store.ring(unit)
  const out: string[] = []
  for (let seq = ring.firstSeq; seq < ring.nextSeq; seq++) out.push(ring.get(seq)!.raw)
  return out
}

describe('Refill: a selected unit’s latest lines while the stream is behind', () => {
  it('appends only the fetched lines newer than what the unit has, telling same-millisecond lines apart', () => {
    const store = new LogStore()
    const refill = new Refill()
    store.append(at(100, 'a'))
    store.append(at(200, 'b'))
    const added = refill.apply(store, 'web', [at(100, 'a'), at(200, 'b'), at(200, 'b2'), at(300, 'c'), at(400, 'd')])
    expect(added).toBe(3)
    expect(lines(store, 'web')).toEqual(['a', 'b', 'b2', 'c', 'd'])
    // The merged view gets them too.
    expect(store.all.size).toBe(5)
  })

  it('drops stream lines older than, or among, the newest fetched; the first newer line ends the check', () => {
    const store = new LogStore()
    const refill = new Refill()
    store.append(at(100, 'old'))
    refill.apply(store, 'web', [at(500, 'x'), at(600, 'y'), at(600, 'z')])
    // Still arriving from the backlog: older, or the same lines again.
    expect(refill.stale(at(150, 'backlog'))).toBe(true)
    expect(refill.stale(at(600, 'y'))).toBe(true)
    // Another line of the same millisecond, and other units, are kept.
    expect(refill.stale(at(600, 'another'))).toBe(false)
    expect(refill.stale(at(150, 'services line', 'services'))).toBe(false)
    // The present: from here nothing is dropped, even an equal time.
    expect(refill.stale(at(700, 'new'))).toBe(false)
    expect(refill.stale(at(150, 'late'))).toBe(false)
  })

  it('a fetch that brings nothing new sets no mark: the stream was not behind', () => {
    const store = new LogStore()
    const refill = new Refill()
    store.append(at(100, 'a'))
    expect(refill.apply(store, 'web', [at(100, 'a')])).toBe(0)
    expect(refill.stale(at(50, 'earlier line still in order'))).toBe(false)
    expect(refill.apply(store, 'web', [])).toBe(0)
  })

  it('marks each unit from its own lines when the answer holds several (an attach’s tail)', () => {
    const store = new LogStore()
    const refill = new Refill()
    const tail = [at(100, 'w1'), at(900, 'w2'), at(300, 's1', 'services')]
    for (const unit of ['web', 'services']) refill.apply(store, unit, tail)
    // services' newest fetched line is at 300: its stream lines from 301 on are new, not web's 900.
    expect(refill.stale(at(500, 'services live', 'services'))).toBe(false)
    expect(refill.stale(at(300, 's1', 'services'))).toBe(false)
    // web's mark is its own 900: the same line again is a duplicate, an older one is stale.
    expect(refill.stale(at(900, 'w2'))).toBe(true)
    expect(refill.stale(at(800, 'web backlog'))).toBe(true)
  })

  it('ignores lines of other units in the answer', () => {
    const store = new LogStore()
    const refill = new Refill()
    expect(refill.apply(store, 'web', [at(100, 'not mine', 'services'), at(200, 'mine')])).toBe(1)
    expect(lines(store, 'web')).toEqual(['mine'])
    expect(lines(store, 'services')).toEqual([])
  })
})
