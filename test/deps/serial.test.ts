import {expect, it} from 'vitest'
import {Serial} from '../../src/deps/runner.js'

it('runs steps one at a time, in the order given, and a failed step does not stop the next', async () => {
  const serial = new Serial()
  const log: string[] = []
  const step = (name: string, ms: number, fail = false) =>
    serial.run(async () => {
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
