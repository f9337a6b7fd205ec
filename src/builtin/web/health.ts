/**
 * Health on web. The internal `health` (and `status`) is answered in the depot's shape for the web role, its
 * test_passed being services' own; the public `/health` says whether services answers. Both give their answer
 * within a few seconds, services up or not.
 */
import {sendJson} from '../http-util.js'
import type {WebContext} from './context.js'

async function servicesHealth(
  ctx: WebContext,
): Promise<{answering: boolean; status?: number; testPassed: boolean; error?: string}> {
  try {
    const {status, body} = await ctx.services.getJson('/internal/storage/health', ctx.rid)
    const testPassed = status === 200 && (body as {test_passed?: unknown})?.test_passed === true
    return {answering: true, status, testPassed, ...(testPassed ? {} : {error: `services answered ${status}`})}
  } catch (error) {
    return {answering: false, testPassed: false, error: ctx.services.describe(error)}
  }
}

export async function internalHealth(ctx: WebContext): Promise<void> {
  const h = await servicesHealth(ctx)
  sendJson(ctx.res, 200, {
    status: 'healthy',
    storage_backend: 'RemoteStorageDriver',
    server_role: 'web',
    test_passed: h.testPassed,
    ...(h.error ? {error: h.error} : {}),
  })
}

export async function publicHealth(ctx: WebContext): Promise<void> {
  const h = await servicesHealth(ctx)
  sendJson(ctx.res, h.testPassed ? 200 : 503, {
    status: h.testPassed ? 'ok' : 'degraded',
    server_role: 'web',
    services: {
      url: ctx.services.origin,
      answering: h.answering,
      ...(h.status !== undefined ? {status: h.status} : {}),
      test_passed: h.testPassed,
      ...(h.error ? {error: h.error} : {}),
    },
  })
}
