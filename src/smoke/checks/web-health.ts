import type {Check} from '../types.js'
import {expectJson, needWeb} from './expect.js'

/**
 * 2. web's health, which web answers by calling services with the key: the depot's own end-to-end signal.
 * A broken path must fail fast: the built-in web answers 502 at once, the depot 200 with test_passed:false only
 * after ~18 s of retries, so this check has a short limit of its own.
 */
export const webHealth: Check = {
  name: 'web-health',
  title: 'web→services health (relay)',
  required: true,
  timeoutMs: (_ctx, d) => Math.min(d, 5000),
  timeoutHint: 'web did not confirm the web→services path (the depot takes ~18 s to report a broken one)',
  async run(ctx) {
    const res = await needWeb(ctx).request('health', {signal: ctx.signal})
    const body = expectJson('GET health on web', res, {test_passed: true})
    return {detail: `test_passed, server_role ${String(body.server_role ?? '?')}, in ${res.ms}ms`}
  },
}
