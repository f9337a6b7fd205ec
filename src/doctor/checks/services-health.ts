/** While a session runs: the services server answers its health call with the key. */
import {result} from '../types.js'
import {configuredCheck} from './configured.js'
import {healthFailed, runningHealth} from './running.js'

const ID = 'services-health'

export const servicesHealthCheck = configuredCheck({
  id: ID,
  title: 'Services health',
  async run(ctx) {
    const call = await runningHealth(ctx, ID, 'services health', 'services', 5000)
    if (!('health' in call)) return call
    const {server, health: h, where} = call
    if (h.ok)
      return result(ID, 'ok', `${server.unit.name} is healthy (${h.body?.storage_backend ?? 'storage'}, ${h.ms}ms)`, {
        detail: [where],
      })
    if (h.status === 403)
      return result(ID, 'error', `${server.unit.name} refuses the key (403)`, {
        detail: [where, "the running server's key differs from the config's: it was started with another one"],
        fix: 'naaccord restart services',
      })
    return healthFailed(ID, 'is not healthy', call)
  },
})
