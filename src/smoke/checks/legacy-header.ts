import type {Check} from '../types.js'
import {needServices, show} from './expect.js'

/**
 * The seed doc's X-Internal-API-Key header: the depot refuses it (403), the built-in servers accept it. Either is
 * allowed, so this only reports which one this services server does.
 */
export const legacyHeader: Check = {
  name: 'legacy-header',
  title: 'seed header X-Internal-API-Key',
  required: false,
  async run(ctx) {
    const res = await needServices(ctx).request('health', {header: 'X-Internal-API-Key', signal: ctx.signal})
    const what =
      res.status === 200
        ? 'accepted (200), as the built-in servers do'
        : res.status === 403
          ? 'refused (403), as the depot does'
          : `answered ${show(res)}`
    return {status: 'info', detail: `X-Internal-API-Key ${what}; clients should send X-API-Key`}
  },
}
