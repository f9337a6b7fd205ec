/**
 * The turn budget: a stream whose reader is over budget waits for the next turn, so other callbacks (a request,
 * a key press) run between its chunks instead of after all of them. The clock is driven by the test: each chunk's
 * work "takes" `ms` of it, so how many chunks fit in a turn does not depend on the machine's speed.
 */
import {Readable} from 'node:stream'
import {expect, it} from 'vitest'
import {beginWork, overBudget, yieldIfOverBudget} from '../../src/util/turn-budget.js'

/**
 * 40 chunks buffered before anyone reads, then read by a listener whose work on each advances the clock by `ms`.
 * Returns how many chunks each turn of the event loop read, in order.
 */
function readChunks(ms: number, yieldBetween: boolean, budgetMs?: number): Promise<number[]> {
  const stream = new Readable({read: () => undefined})
  for (let i = 0; i < 40; i++) stream.push(Buffer.alloc(100, i))
  stream.push(null)
  let clock = 1000
  const turns: number[] = []
  let inTurn = false
  return new Promise((resolve) => {
    stream.on('data', () => {
      if (!inTurn) {
        inTurn = true
        turns.push(0)
        setImmediate(() => {
          inTurn = false
        })
      }
      beginWork(clock)
      clock += ms
      turns[turns.length - 1]++
      if (yieldBetween) yieldIfOverBudget(stream, budgetMs, clock)
    })
    stream.on('end', () => setImmediate(() => resolve(turns)))
  })
}

it('a reader over budget lets the next turn in before it reads on, and still reads every chunk', async () => {
  // 2 ms a chunk against the 8 ms budget: the fifth chunk takes the turn to 10 ms, so each turn reads five.
  expect(await readChunks(2, true)).toEqual(Array(8).fill(5))
  // A chunk that alone is over budget: one a turn.
  expect(await readChunks(20, true)).toEqual(Array(40).fill(1))
  // Without it, the buffered chunks are all handed over in one turn.
  expect(await readChunks(2, false)).toEqual([40])
})

it('a reader within budget is never paused', async () => {
  expect(await readChunks(2, true, 10_000)).toEqual([40])
})

it('the budget counts from the first work of the turn, and starts again in the next turn', async () => {
  await new Promise((resolve) => setImmediate(resolve))
  beginWork(100)
  expect(overBudget(8, 108)).toBe(false)
  // A later beginWork in the same turn does not restart the count.
  beginWork(107)
  expect(overBudget(8, 109)).toBe(true)
  await new Promise((resolve) => setImmediate(resolve))
  beginWork(500)
  expect(overBudget(8, 505)).toBe(false)
  // The turn this clock began ends before the next test reads the real clock.
  await new Promise((resolve) => setImmediate(resolve))
})

it('on the real clock, a budget already spent pauses after every chunk', async () => {
  const stream = new Readable({read: () => undefined})
  for (let i = 0; i < 3; i++) stream.push(Buffer.alloc(10))
  stream.push(null)
  const order: string[] = []
  stream.on('data', () => {
    order.push('chunk')
    setImmediate(() => order.push('turn'))
    beginWork()
    yieldIfOverBudget(stream, -1)
  })
  await new Promise((resolve) => stream.on('end', resolve))
  expect(order.slice(0, 4)).toEqual(['chunk', 'turn', 'chunk', 'turn'])
})
