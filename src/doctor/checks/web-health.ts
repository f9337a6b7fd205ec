/**
 * While a session runs: web → services works, tested through web's health call (web relays it to services
 * with its key; `test_passed` is the verdict). A broken path answers only after the web client's retries
 * (about 18 s), hence the long time limit.
 */
import {maskSecretsIn} from '../../util/mask.js'
import {result} from '../types.js'
import {configuredCheck} from './configured.js'
import {healthFailed, runningHealth} from './running.js'

const ID = 'web-health'
const WEB_TIMEOUT_MS = 25_000

export const webHealthCheck = configuredCheck({
  id: ID,
  title: 'Web to services',
  timeoutMs: WEB_TIMEOUT_MS + 5000,
  async run(ctx) {
    const call = await runningHealth(ctx, ID, 'web to services', 'web', WEB_TIMEOUT_MS)
    if (!('health' in call)) return call
    const {server, health: h, where} = call
    if (h.status === 200 && h.body?.test_passed === true)
      return result(ID, 'ok', `${server.unit.name} reaches services (test_passed, ${h.ms}ms)`, {detail: [where]})
    if (h.status === 200)
      return result(ID, 'error', `${server.unit.name} answers but cannot reach services (test_passed: false)`, {
        detail: [
          where,
          ...(h.body?.error ? [`web says: ${maskSecretsIn(h.body.error, [server.key])}`] : []),
          'check its SERVICES_URL and that both roles share the key (see role-env and api-key above)',
        ],
        fix: `naaccord logs ${server.unit.name}`,
      })
    return healthFailed(ID, 'health call failed', call)
  },
})
