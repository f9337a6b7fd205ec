/**
 * The turn budget: a stream whose reader is over budget waits for the next turn, so other callbacks (a request,
 * a key press) run between its chunks instead of after all of them.
 */
import {Readable} from 'node:stream'
import {expect, it} from 'vitest'
import {beginWork, yieldIfOverBudget} from '../../src/util/turn-budget.js'

/** 40 chunks buffered before anyone reads, then read by a listener that spends `ms` on each. */
function readBusy(ms: number, yieldBetween: boolean, budgetMs?: number): Promise<{atImmediate: number; total: number}> {
  const stream = new Readable({read: () => undefined})
  for (let i = 0; i < 40; i++) stream.push(Buffer.alloc(100, i))
  stream.push(null)
  let seen = 0
  let atImmediate = -1
  return new Promise((resolve) => {
    stream.on('data', () => {
      if (seen === 0)
        setImmediate(() => {
          atImmediate = seen
        })
      beginWork()
      const until = performance.now() + ms
      while (performance.now() < until) {
        // a chunk's work
      }
      seen++
      if (yieldBetween) yieldIfOverBudget(stream, budgetMs)
    })
    stream.on('end', () => setImmediate(() => resolve({atImmediate, total: seen})))
  })
}

it('a reader over budget lets the next turn in before it reads on, and still reads every chunk', async () => {
  const yielding = await readBusy(2, true)
  expect(yielding.total).toBe(40)
  // 2 ms a chunk against an 8 ms budget: a handful of chunks, then the turn ends and the immediate runs.
  expect(yielding.atImmediate).toBeGreaterThan(0)
  expect(yielding.atImmediate).toBeLessThan(10)
  // Without it, the buffered chunks are all handed over in one turn.
  const greedy = await readBusy(2, false)
  expect(greedy.atImmediate).toBe(40)
})

it('a reader within budget is never paused', async () => {
  // A budget no scheduling hiccup on a loaded machine can reach: 40 quick chunks stay in one turn.
  const quick = await readBusy(0, true, 10_000)
  expect(quick.total).toBe(40)
  expect(quick.atImmediate).toBe(40)
})
