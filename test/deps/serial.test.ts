import {expect, it} from 'vitest'
import {Serial} from '../../src/deps/runner.js'

it('runs steps one at a time, in the order given, and a failed step does not stop the next', async () => {
  const serial = new Serial()
  const log: string[] = []
  const step = (name: string, ms: number, fail = false) =>
    serial.reserve().run(async () => {
      log.push(`${name} begins`)
      await new Promise((r) => setTimeout(r, ms))
      log.push(`${name} ends`)
      if (fail) throw new Error(name)
      return name
    })
  const results = await Promise.allSettled([step('a', 30), step('b', 1, true), step('c', 1)])
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
    'a',
    'b',
    'c',
  ])
  expect(log).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends'])
})

it('keeps the order of reservation, whenever each caller becomes ready; a released turn lets the next go', async () => {
  const serial = new Serial()
  const log: string[] = []
  const first = serial.reserve()
  const second = serial.reserve()
  const third = serial.reserve()
  // The second is ready first, but waits for the first; the third gives its turn up unused.
  const b = second.run(async () => log.push('second'))
  await new Promise((r) => setTimeout(r, 20))
  expect(log).toEqual([])
  third.release()
  await first.run(async () => log.push('first'))
  await b
  await serial.reserve().run(async () => log.push('after'))
  expect(log).toEqual(['first', 'second', 'after'])
})
