import {expect, it} from 'vitest'
import {sleep} from '../../src/util/sleep.js'

it('resolves after its timer, before a longer one', async () => {
  const order: string[] = []
  await Promise.all([sleep(20).then(() => order.push('short')), sleep(40).then(() => order.push('long'))])
  expect(order).toEqual(['short', 'long'])
})

it('an abort ends the wait early (and an aborted signal at once), never rejecting', async () => {
  const ac = new AbortController()
  const order: string[] = []
  const waiting = sleep(600_000, ac.signal).then(() => order.push('woke'))
  await new Promise((resolve) => setImmediate(resolve))
  order.push('abort')
  ac.abort()
  await waiting
  expect(order).toEqual(['abort', 'woke'])
  await expect(sleep(600_000, ac.signal)).resolves.toBeUndefined()
})
