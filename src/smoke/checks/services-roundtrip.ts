import type {Check} from '../types.js'
import {needServices} from './expect.js'
import {roundTrip} from './roundtrip.js'

/** 4. A file's whole life straight against services, the server that stores it. */
export const servicesRoundTrip: Check = {
  name: 'services-roundtrip',
  title: 'round trip through services',
  required: true,
  run: (ctx) => roundTrip(ctx, needServices(ctx)),
}
