/** What each pane shows, from the models: the strings render.ts hands the boxes. */
import {describe, expect, it} from 'vitest'
import {flowPane, linePrefix, listPane, logPane, statusLine, stripColors} from '../../src/dashboard/render.js'
import {ALL, LogStore} from '../../src/dashboard/store.js'
import {LogView} from '../../src/dashboard/view.js'
import type {SessionStatus, UnitStatus} from '../../src/session/protocol.js'

const unit = (over: Partial<UnitStatus>): UnitStatus => ({
  name: 'web',
  kind: 'server',
  role: 'web',
  state: 'ready',
  restarts: 0,
  logFile: '/tmp/web.log',
  ...over,
})

const status = (over: Partial<SessionStatus> = {}): SessionStatus =>
  ({project: 'depot', state: 'running', startedAt: 0, units: [], ...over}) as SessionStatus

describe('listPane', () => {
  const units = [unit({name: 'services', role: 'services'}), unit({name: 'web'})]

  it('has a header, "all", then each unit, with the selected row marked and inverse', () => {
    const {content} = listPane(status(), units, 2, false, 0)
    const rows = content.split('\n')
    expect(rows).toHaveLength(4)
    expect(rows[1]).toMatch(/^ \{bold\}all/)
    expect(rows[2]).toMatch(/^ .*services/)
    expect(rows[3]).toMatch(/^>\{inverse\}.*web.*\{\/inverse\}$/)
    expect(listPane(status(), units, 0, false, 0).content.split('\n')[1]).toMatch(/^>\{inverse\}\{bold\}all/)
  })

  it('labels the pane with the project and the session state, "stopping" once it stops, escaped', () => {
    expect(listPane(status(), units, 0, false, 0).label).toBe(' naaccord · depot · running ')
    expect(listPane(status(), units, 0, true, 0).label).toBe(' naaccord · depot · stopping ')
    expect(listPane(undefined, [], 0, false, 0).label).toBe(' naaccord · … · connecting ')
    expect(listPane(status({project: '{x}'}), [], 0, false, 0).label).toContain('{open}x{close}')
  })
})

describe('flowPane', () => {
  const units = [unit({name: 'web', startedAt: 1000, readyAt: 2000, readyMs: 1000, state: 'stopping'})]

  it('shows the start-up waterfall, or the stop countdowns while stopping', () => {
    expect(flowPane(status({startedAt: 1000}), units, undefined, 60, 3000).label).toBe(' start-up: launch → ready ')
    const stopping = flowPane(status(), units, {since: new Map([['web', 1000]]), timeouts: {web: 10_000}}, 60, 4000)
    expect(stopping.label).toBe(' stopping ')
    expect(stopping.content).toContain('web')
  })
})

describe('logPane', () => {
  function view(lines: [string, 'stdout' | 'stderr' | 'system', string][], key = ALL): LogView {
    const store = new LogStore({unitBytes: 1 << 16})
    for (const [u, stream, line] of lines) store.append({unit: u, stream, line, ts: 0})
    const v = new LogView(store)
    v.select(key)
    return v
  }
  const units = [unit({name: 'web'}), unit({name: 'services'})]

  it('in the merged view prefixes each line with its unit and stream mark, and resets colours after each', () => {
    const pane = logPane(
      view([
        ['web', 'stdout', 'GET /'],
        ['services', 'stderr', 'oops'],
      ]),
      units,
      10,
      true,
    )
    const rows = pane.content.split('\n')
    expect(rows).toHaveLength(2)
    expect(rows[0]).toBe('{cyan-fg}web      │{/cyan-fg} GET /\x1b[0m')
    expect(rows[1]).toBe('{magenta-fg}services !{/magenta-fg} oops\x1b[0m')
    expect(pane.label).toBe(' logs: all · {green-fg}FOLLOW{/green-fg} ')
  })

  it("a unit's view has no prefix; the label names the unit, the filter and the search", () => {
    const v = view(
      [
        ['web', 'stdout', 'GET /a'],
        ['web', 'stdout', 'POST /b'],
        ['services', 'stdout', 'x'],
      ],
      'web',
    )
    v.setFilter('/')
    v.setSearch('POST')
    const pane = logPane(v, units, 10, true)
    expect(pane.content.split('\n')[0]).toBe('GET /a\x1b[0m')
    expect(pane.label).toBe(' logs: web · {green-fg}FOLLOW{/green-fg} · filter "/" · search "POST" ')
  })

  it('shows the last lines that fit, with work in progress below taking at most half the pane', () => {
    const lines = Array.from({length: 20}, (_, i) => ['web', 'stdout', `line ${i}`] as [string, 'stdout', string])
    const pulling = [unit({name: 'web', progress: ['a', 'b', 'c', 'd', 'e', 'f']})]
    const rows = logPane(view(lines, 'web'), pulling, 6, false).content.split('\n')
    expect(rows).toEqual(['line 17\x1b[0m', 'line 18\x1b[0m', 'line 19\x1b[0m', '⇣ web  a', '⇣ web  b', '⇣ web  c'])
    const colored = logPane(view(lines, 'web'), pulling, 6, true).content.split('\n')
    expect(colored[3]).toBe('{cyan-fg}⇣ web  a{/cyan-fg}')
  })

  it("another unit's progress stays out of a unit's view", () => {
    const others = [unit({name: 'web'}), unit({name: 'redis', progress: ['layer 1']})]
    expect(logPane(view([['web', 'stdout', 'hi']], 'web'), others, 6, false).content).toBe('hi\x1b[0m')
    expect(logPane(view([['web', 'stdout', 'hi']]), others, 6, false).content).toContain('⇣ redis  layer 1')
  })

  it("marks naaccord's own lines with *, and gives a unit not in the list the next colour", () => {
    expect(linePrefix({unit: 'ghost', stream: 'system', line: '', ts: 0} as never, ['web'], 5)).toBe(
      '{magenta-fg}ghost *{/magenta-fg} ',
    )
  })
})

describe('statusLine', () => {
  const idle = {prompt: undefined, confirmQuit: false, message: '', messageUntil: 0}

  it('shows a message until its time, then only the keys', () => {
    const state = {...idle, message: 'restart web: done', messageUntil: 5000}
    expect(statusLine(state, 4999)).toMatch(/^ \{yellow-fg\}restart web: done\{\/yellow-fg\} · \? help/)
    expect(statusLine(state, 5000)).toMatch(/^ \? help · \/ search/)
  })

  it('shows the prompt being typed, and the quit question', () => {
    expect(statusLine({...idle, prompt: {kind: 'search', text: 'a{b'}}, 0)).toMatch(/^ \/a\{open\}b█/)
    expect(statusLine({...idle, prompt: {kind: 'filter', text: 'x'}}, 0)).toMatch(/^ filter \(&\): x█/)
    expect(statusLine({...idle, confirmQuit: true}, 0)).toContain('Stop the session and quit? (y/n)')
  })
})

it('stripColors drops colour tags and keeps bold, inverse and escaped braces', () => {
  expect(stripColors('{bold}{red-fg}a{/red-fg}{/bold} {light-cyan-bg}{open}b{close}{/light-cyan-bg}')).toBe(
    '{bold}a{/bold} {open}b{close}',
  )
})
