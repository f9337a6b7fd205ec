import {expect, it} from 'vitest'
import {atMost, sleep} from '../../src/util/sleep.js'
import {pendingTimersAfter} from '../helpers/index.js'

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

it('atMost: ends with its promise (resolved or rejected) and leaves no timer pending; ends at its limit otherwise', async () => {
  const early = await pendingTimersAfter(() => atMost(Promise.resolve('done'), 600_000))
  expect(early.pending).toEqual([])
  const failed = await pendingTimersAfter(() => atMost(Promise.reject(new Error('gone')), 600_000))
  expect(failed.pending).toEqual([])
  const order: string[] = []
  await atMost(new Promise(() => undefined), 20).then(() => order.push('limit'))
  await atMost(undefined, 600_000).then(() => order.push('no promise'))
  expect(order).toEqual(['limit', 'no promise'])
})
