/** While a session runs: the services server answers its health call with the key. */
import {maskSecretsIn} from '../../util/mask.js'
import {getHealth} from '../health.js'
import {type Check, type ConfiguredContext, result} from '../types.js'
import {runningServer} from './running.js'

const ID = 'services-health'

export const servicesHealthCheck: Check = {
  id: ID,
  title: 'Services health',
  needsConfig: true,
  async run(c) {
    const ctx = c as ConfiguredContext
    const info = await ctx.session()
    if (info.state !== 'running') return result(ID, 'skip', 'services health: no session is running')
    const s = runningServer(ctx, info, 'services')
    if (!s?.url) return result(ID, 'skip', 'no services server with a port in this session')
    const h = await getHealth(s.url, s.key, 5000)
    const where = `${s.url}/internal/storage/health`
    if (h.ok)
      return result(ID, 'ok', `${s.unit.name} is healthy (${h.body?.storage_backend ?? 'storage'}, ${h.ms}ms)`, {
        detail: [where],
      })
    if (h.status === 403)
      return result(ID, 'error', `${s.unit.name} refuses the key (403)`, {
        detail: [where, "the running server's key differs from the config's: it was started with another one"],
        fix: 'naaccord restart services',
      })
    const what = h.error ?? `HTTP ${h.status}${h.body?.error ? `: ${h.body.error}` : ''}`
    return result(ID, 'error', `${s.unit.name} is not healthy (${maskSecretsIn(what, [s.key])})`, {
      detail: [where],
      fix: `naaccord logs ${s.unit.name}`,
    })
  },
}
