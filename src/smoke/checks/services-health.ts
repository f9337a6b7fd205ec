import type {Check} from '../types.js'
import {expectJson, needServices} from './expect.js'

/** 1. services answers its own health: the storage side is up and its self-test passes. */
export const servicesHealth: Check = {
  name: 'services-health',
  title: 'services health',
  required: true,
  timeoutMs: (_ctx, d) => Math.min(d, 10_000),
  async run(ctx) {
    const res = await needServices(ctx).request('health', {signal: ctx.signal})
    const body = expectJson('GET health on services', res, {
      status: 'healthy',
      server_role: 'services',
      test_passed: true,
    })
    return {detail: `healthy, ${String(body.storage_backend ?? 'storage backend not named')}, in ${res.ms}ms`}
  },
}
