/**
 * After a server is ready, its probe keeps running at a slow pace: three failures in a row mark it
 * `unhealthy` (with the probe's reason), and one success marks it `ready` again. Log probes are not re-run:
 * a line that appeared once says nothing about now.
 */
import type {PlannedServer} from '../config/plan.js'
import {PROBE_KINDS, probeKind} from '../probes/index.js'

/**
 * Between checks once ready: much slower than start-up polling, so a healthy session costs next to nothing and
 * the servers' access logs are not flooded with health requests. NAACCORD_HEALTH_INTERVAL (ms) overrides it.
 */
export const HEALTH_INTERVAL_MS = 10_000
export const UNHEALTHY_AFTER = 3

export function watchHealth(
  server: PlannedServer,
  signal: AbortSignal,
  onChange: (healthy: boolean, reason?: string) => void,
  intervalMs = Number(process.env.NAACCORD_HEALTH_INTERVAL) || HEALTH_INTERVAL_MS,
): void {
  const probe = server.ready
  if (!probe || probe.log) return
  const attempt = PROBE_KINDS[probeKind(probe)]
  let failures = 0
  let healthy = true
  const tick = async () => {
    if (signal.aborted) return
    const reason = await attempt(
      probe,
      {signal, linesSinceStart: () => [], cwd: server.cwd, env: server.env},
      probe.timeout,
    )
    if (signal.aborted) return
    if (reason === undefined) {
      failures = 0
      if (!healthy) {
        healthy = true
        onChange(true)
      }
    } else if (++failures >= UNHEALTHY_AFTER && healthy) {
      healthy = false
      onChange(false, reason)
    }
    timer = setTimeout(tick, intervalMs)
    timer.unref()
  }
  let timer = setTimeout(tick, intervalMs)
  timer.unref()
  signal.addEventListener('abort', () => clearTimeout(timer), {once: true})
}
