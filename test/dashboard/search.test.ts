import {describe, expect, it} from 'vitest'
import {CURRENT_ON, createMatcher, HIGHLIGHT_OFF, HIGHLIGHT_ON, renderLine} from '../../src/dashboard/search.js'
import {LogStore} from '../../src/dashboard/store.js'
import {stripAnsi} from '../../src/dashboard/text.js'
import {LogView} from '../../src/dashboard/view.js'

const render = (line: string, query: string, current = false) =>
  renderLine(line, stripAnsi(line), createMatcher(query), current)

describe('createMatcher', () => {
  it('is case-insensitive unless the query has a capital letter', () => {
    expect(createMatcher('error')!.test('An ERROR here')).toBe(true)
    expect(createMatcher('Error')!.test('An ERROR here')).toBe(false)
    expect(createMatcher('Error')!.test('An Error here')).toBe(true)
    expect(createMatcher('')).toBeUndefined()
  })

  it('finds every non-overlapping match', () => {
    expect(createMatcher('ab')!.ranges('abxxABab')).toEqual([
      [0, 2],
      [4, 6],
      [6, 8],
    ])
  })
})

describe('renderLine', () => {
  it('escapes braces with and without matches', () => {
    expect(render('{bold} }{', '')).toBe('{open}bold{close} {close}{open}')
    expect(render('{bold} x', 'x')).toBe(`{open}bold{close} ${HIGHLIGHT_ON}x${HIGHLIGHT_OFF}`)
  })

  it('highlights matches inside a coloured line and keeps its colours', () => {
    const line = 'GET \x1b[32m200\x1b[0m upload done'
    expect(render(line, 'upload')).toBe(`GET \x1b[32m200\x1b[0m ${HIGHLIGHT_ON}upload${HIGHLIGHT_OFF} done`)
    // A match spanning a colour code: the highlight is put back after the line's own code.
    expect(render(line, '200 up')).toBe(
      `GET \x1b[32m${HIGHLIGHT_ON}200\x1b[0m${HIGHLIGHT_ON} up${HIGHLIGHT_OFF}load done`,
    )
  })

  it('marks the current match differently and matches braces in the query', () => {
    expect(render('a {x} b', '{x}', true)).toBe(`a ${CURRENT_ON}{open}x{close}${HIGHLIGHT_OFF} b`)
  })
})

function storeWith(lines: string[], unit = 'web') {
  const store = new LogStore()
  lines.forEach((line, i) => {
    store.append({unit, stream: 'stdout', line, ts: i})
  })
  return store
}

describe('LogView', () => {
  const lines = Array.from({length: 100}, (_, i) => `line ${i}${i % 10 === 0 ? ' ERROR boom' : ''}`)

  it('follows the newest lines and pauses when scrolled up', () => {
    const store = storeWith(lines)
    const view = new LogView(store)
    expect(view.window(5).map((l) => l.entry.raw)).toEqual(lines.slice(95))
    view.scroll(-10, 5)
    expect(view.follow).toBe(false)
    const before = view.window(5).map((l) => l.entry.raw)
    expect(before).toEqual(lines.slice(85, 90))
    store.append({unit: 'web', stream: 'stdout', line: 'new', ts: 1})
    expect(view.window(5).map((l) => l.entry.raw)).toEqual(before)
    view.toEnd()
    expect(view.window(5).at(-1)?.entry.raw).toBe('new')
  })

  it('filters to matching lines, including ones that arrive later', () => {
    const store = storeWith(lines)
    const view = new LogView(store)
    view.setFilter('error')
    expect(view.window(100).map((l) => l.entry.raw)).toEqual(lines.filter((l) => l.includes('ERROR')))
    store.append({unit: 'web', stream: 'stdout', line: 'late error', ts: 1})
    store.append({unit: 'web', stream: 'stdout', line: 'late ok', ts: 1})
    expect(view.window(3).map((l) => l.entry.raw)).toEqual(['line 80 ERROR boom', 'line 90 ERROR boom', 'late error'])
    view.setFilter('')
    expect(view.window(1)[0].entry.raw).toBe('late ok')
  })

  it('keeps a filter correct when old lines are evicted', () => {
    const store = new LogStore({unitBytes: 2000})
    const view = new LogView(store)
    view.key = 'web'
    view.setFilter('keep')
    for (let i = 0; i < 500; i++)
      store.append({unit: 'web', stream: 'stdout', line: `${i} ${i % 2 ? 'keep' : 'drop'}`, ts: i})
    const shown = view.window(1000).map((l) => l.entry.raw)
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.every((l) => l.endsWith('keep'))).toBe(true)
    expect(shown.at(-1)).toBe('499 keep')
    expect(Number(shown[0].split(' ')[0])).toBeGreaterThanOrEqual(store.ring('web').firstSeq)
  })

  it('moves between search matches with n / N', () => {
    const view = new LogView(storeWith(lines))
    view.setSearch('error')
    // First search: the newest match at or above the bottom of the window, going up.
    expect(view.findNext(-1, 5)).toBe(true)
    expect(view.ring.get(view.current!)!.raw).toBe('line 90 ERROR boom')
    expect(view.findNext(-1, 5)).toBe(true)
    expect(view.ring.get(view.current!)!.raw).toBe('line 80 ERROR boom')
    expect(view.follow).toBe(false)
    expect(view.window(5).some((l) => l.seq === view.current)).toBe(true)
    expect(view.findNext(1, 5)).toBe(true)
    expect(view.ring.get(view.current!)!.raw).toBe('line 90 ERROR boom')
    expect(view.findNext(1, 5)).toBe(false)
    view.setSearch('nothing like this')
    expect(view.findNext(-1, 5)).toBe(false)
  })

  it('shows every unit in the merged view and one unit when selected', () => {
    const store = new LogStore()
    store.append({unit: 'web', stream: 'stdout', line: 'w1', ts: 1})
    store.append({unit: 'services', stream: 'stdout', line: 's1', ts: 2})
    store.append({unit: 'web', stream: 'stdout', line: 'w2', ts: 3})
    const view = new LogView(store)
    expect(view.window(10).map((l) => l.entry.raw)).toEqual(['w1', 's1', 'w2'])
    view.select('services')
    expect(view.window(10).map((l) => l.entry.raw)).toEqual(['s1'])
  })
})
