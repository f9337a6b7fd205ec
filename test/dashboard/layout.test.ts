/** Where the panes go for a terminal height, unit count, waterfall and zoom. */
import {expect, it} from 'vitest'
import {layout} from '../../src/dashboard/layout.js'

it('stacks list, waterfall and log over the status line, filling the terminal', () => {
  const l = layout(40, 3, true, undefined)
  expect(l.list).toEqual({hidden: false, top: 0, height: 7})
  expect(l.flow).toEqual({hidden: false, top: 7, height: 5})
  expect(l.log).toEqual({hidden: false, top: 12, height: 27})
  expect(l.log.top + l.log.height).toBe(39)
})

it('without the waterfall (or with no units) the log takes its rows', () => {
  for (const l of [layout(40, 3, false, undefined), layout(40, 0, true, undefined)]) {
    expect(l.flow.hidden).toBe(true)
    expect(l.log.top).toBe(l.list.height)
    expect(l.log.top + l.log.height).toBe(39)
  }
})

it('many units: the list stops at 45% of the terminal; a tiny terminal keeps 3 rows of log', () => {
  expect(layout(40, 50, false, undefined).list.height).toBe(18)
  expect(layout(6, 3, false, undefined).log.height).toBe(3)
})

it('a zoomed pane takes all but the status line and hides the others', () => {
  const log = layout(30, 3, true, 'log')
  expect(log.log).toEqual({hidden: false, top: 0, height: 29})
  expect([log.list.hidden, log.flow.hidden]).toEqual([true, true])
  const list = layout(30, 3, true, 'list')
  expect(list.list).toEqual({hidden: false, top: 0, height: 29})
  expect([list.log.hidden, list.flow.hidden]).toEqual([true, true])
})
