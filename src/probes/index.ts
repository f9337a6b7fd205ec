/**
 * Readiness probes (process-compose's vocabulary): one small module per kind, in a registry, and one loop that
 * applies interval, timeout, retries and start period to any of them. Adding a kind touches one file + this map.
 */
import type {ProbeConfig} from '../config/schema.js'
import {sleep} from '../util/sleep.js'
import {execProbe} from './exec.js'
import {httpProbe} from './http.js'
import {logProbe} from './log.js'
import {tcpProbe} from './tcp.js'
import type {ProbeAttempt, ProbeContext} from './types.js'

export type {ProbeContext} from './types.js'

export const PROBE_KINDS: Record<'http' | 'tcp' | 'log' | 'exec', ProbeAttempt> = {
  http: httpProbe,
  tcp: tcpProbe,
  log: logProbe,
  exec: execProbe,
}

export function probeKind(probe: ProbeConfig): keyof typeof PROBE_KINDS {
  return (['http', 'tcp', 'log', 'exec'] as const).find((k) => probe[k] !== undefined) ?? 'tcp'
}

export function describeProbe(probe: ProbeConfig): string {
  const kind = probeKind(probe)
  if (kind === 'http') return `GET ${probe.http!.url}`
  if (kind === 'tcp') return `tcp ${probe.tcp!.host}:${probe.tcp!.port}`
  if (kind === 'log') return `log /${probe.log!.pattern}/`
  return `exec ${probe.exec!.command.join(' ')}`
}

/**
 * Polls until the probe passes. Rejects when `retries` consecutive failures follow the start period, when the
 * overall deadline passes, or when the signal aborts (the process exited, or the session is stopping).
 * `onWaiting` gets the latest reason, for status lines.
 */
export async function waitForProbe(
  probe: ProbeConfig,
  ctx: ProbeContext,
  deadlineMs: number,
  onWaiting?: (reason: string) => void,
): Promise<void> {
  const attempt = PROBE_KINDS[probeKind(probe)]
  const started = Date.now()
  let failures = 0
  let last = 'not probed yet'
  for (;;) {
    if (ctx.signal.aborted)
      throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error(String(ctx.signal.reason))
    const reason = await attempt(probe, ctx, probe.timeout)
    if (reason === undefined) return
    last = reason
    onWaiting?.(reason)
    if (Date.now() - started >= probe.startPeriod) failures++
    if (probe.retries > 0 && failures > probe.retries) {
      throw new Error(`not ready after ${probe.retries} retries (${describeProbe(probe)}): ${last}`)
    }
    if (Date.now() - started >= deadlineMs)
      throw new Error(`not ready within ${deadlineMs}ms (${describeProbe(probe)}): ${last}`)
    await sleep(probe.interval, ctx.signal)
  }
}
