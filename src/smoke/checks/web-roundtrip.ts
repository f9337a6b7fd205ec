import type {Check} from '../types.js'
import {needWeb} from './expect.js'
import {roundTrip} from './roundtrip.js'

/** 5. The same life through web's routes: the production path, every call relayed to services. */
export const webRoundTrip: Check = {
  name: 'web-roundtrip',
  title: 'round trip through web',
  required: true,
  run: (ctx) => roundTrip(ctx, needWeb(ctx)),
}
