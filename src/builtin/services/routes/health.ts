/** GET health (and the built-in `status` alias): a real self-test, a small file written, read back and removed. */
import {sendJson} from '../../http-util.js'
import type {RouteContext} from '../context.js'

export async function health(ctx: RouteContext): Promise<void> {
  const passed = await ctx.storage.selfTest()
  sendJson(ctx.res, 200, {
    status: 'healthy',
    storage_backend: 'LocalFileSystemStorage',
    server_role: 'services',
    test_passed: passed,
  })
}
