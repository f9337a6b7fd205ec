/**
 * While a session runs: web → services works, tested through web's health call (web relays it to services
 * with its key; `test_passed` is the verdict). A broken path answers only after the web client's retries
 * (about 18 s), hence the long time limit.
 */
import {maskSecretsIn} from '../../util/mask.js'
import {getHealth} from '../health.js'
import {type Check, type ConfiguredContext, result} from '../types.js'
import {runningServer} from './running.js'

const ID = 'web-health'
const WEB_TIMEOUT_MS = 25_000

export const webHealthCheck: Check = {
  id: ID,
  title: 'Web to services',
  needsConfig: true,
  timeoutMs: WEB_TIMEOUT_MS + 5000,
  async run(c) {
    const ctx = c as ConfiguredContext
    const info = await ctx.session()
    if (info.state !== 'running') return result(ID, 'skip', 'web to services: no session is running')
    const w = runningServer(ctx, info, 'web')
    if (!w?.url) return result(ID, 'skip', 'no web server with a port in this session')
    const h = await getHealth(w.url, w.key, WEB_TIMEOUT_MS)
    const where = `${w.url}/internal/storage/health`
    if (h.status === 200 && h.body?.test_passed === true)
      return result(ID, 'ok', `${w.unit.name} reaches services (test_passed, ${h.ms}ms)`, {detail: [where]})
    if (h.status === 200)
      return result(ID, 'error', `${w.unit.name} answers but cannot reach services (test_passed: false)`, {
        detail: [
          where,
          ...(h.body?.error ? [`web says: ${maskSecretsIn(h.body.error, [w.key])}`] : []),
          'check its SERVICES_URL and that both roles share the key (see role-env and api-key above)',
        ],
        fix: `naaccord logs ${w.unit.name}`,
      })
    const what = h.error ?? `HTTP ${h.status}${h.body?.error ? `: ${h.body.error}` : ''}`
    return result(ID, 'error', `${w.unit.name} health call failed (${maskSecretsIn(what, [w.key])})`, {
      detail: [where],
      fix: `naaccord logs ${w.unit.name}`,
    })
  },
}
