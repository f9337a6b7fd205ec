import type {StorageClient} from '../client.js'
import type {Check} from '../types.js'
import {expectStatus} from './expect.js'

const WRONG_KEY = 'naaccord-smoke-wrong-key-000000000000'

async function refuses(client: StorageClient, signal: AbortSignal): Promise<void> {
  const who = client.role
  expectStatus(`${who}: GET health without a key`, await client.request('health', {key: null, signal}), 403)
  expectStatus(`${who}: GET health with a wrong key`, await client.request('health', {key: WRONG_KEY, signal}), 403)
  // The depot checks the method before the key: 405 even with no key.
  expectStatus(
    `${who}: POST health (wrong method, no key)`,
    await client.request('health', {method: 'POST', key: null, signal}),
    405,
  )
  expectStatus(`${who}: GET delete (wrong method)`, await client.request('delete', {method: 'GET', signal}), 405)
}

/** 3. Both servers refuse a missing or wrong key (403) and a wrong method (405). */
export const auth: Check = {
  name: 'auth',
  title: 'auth: no key, wrong key, wrong method',
  required: true,
  async run(ctx) {
    const targets = [ctx.services, ctx.web].filter((c): c is StorageClient => c !== undefined)
    for (const client of targets) await refuses(client, ctx.signal)
    return {detail: `${targets.map((t) => t.role).join(' and ')}: 403 without/with a wrong key, 405 for a wrong method`}
  },
}
