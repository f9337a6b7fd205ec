/**
 * Container engine: which endpoint, reachable, API version. Only an error when an enabled dependency needs it;
 * a machine with only Node and the built-in servers needs no engine.
 */
import {engineFor} from '../engine.js'
import {type Check, result} from '../types.js'

export const engineCheck: Check = {
  id: 'engine',
  title: 'Container engine',
  needsConfig: false,
  async run(ctx) {
    const deps = ctx.plan?.units.filter((u) => u.kind === 'dependency') ?? []
    const conn = await engineFor(ctx)
    if ('docker' in conn) {
      return result('engine', 'ok', `container engine at ${conn.endpoint} (${conn.version}, API ${conn.apiVersion})`, {
        detail: [`found by ${conn.source}`, ...conn.tried.map((t) => `${t.endpoint} (${t.source}): ${t.error}`)],
      })
    }
    const detail = conn.tried.map((t) => `${t.endpoint}${t.source ? ` (${t.source})` : ''}: ${t.error}`)
    if (deps.length === 0)
      return result('engine', 'skip', 'no container engine reachable (not needed: no dependency is enabled)', {detail})
    return result(
      'engine',
      'error',
      `no container engine reachable, and ${deps.map((d) => d.name).join(', ')} need${deps.length === 1 ? 's' : ''} one`,
      {
        detail,
        fix: ctx.env.DOCKER_HOST
          ? 'check that the engine behind DOCKER_HOST is running, or unset DOCKER_HOST to use the default socket'
          : 'start Docker or `podman system service --time=0 &`, then export DOCKER_HOST=unix:///path/to/docker.sock',
      },
    )
  },
}
