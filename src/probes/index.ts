/**
 * Readiness and liveness, for a server process and a container alike: ONE engine (`Prober`), one module per probe
 * kind, registered in `PROBE_KINDS` below. A kind sees only a `ProbeTarget` (ports, this launch's lines, exec),
 * so it never knows whether it probes a server or a container (targets: `serverTarget` here, `containerTarget` in
 * src/deps/probe-target.ts). Placeholders (`{port}`, `{url}`, …) are filled at plan time (src/config/plan.ts).
 *
 * Readiness (`waitReady`): an attempt every `interval` (from one attempt's start to the next), each limited to
 * `timeout`, until one passes. It gives up when:
 *  - `retries` is N > 0 and the Nth failed attempt in a row counting after `startPeriod` fails: retries: 3 → the
 *    third counted failure is the last attempt (Docker's healthcheck meaning; failures inside the start period
 *    do not count). retries: 0 → no limit but the deadline;
 *  - the unit's `startTimeout` has passed since its launch;
 *  - the signal aborts (the process or container exited, or the session is stopping).
 * Liveness (`watch`), once ready: the probe again every NAACCORD_HEALTH_INTERVAL ms (default 10 s);
 * `UNHEALTHY_AFTER` (3) failures in a row → unhealthy with the last reason, one success → ready again. A log
 * probe is not re-run (a line that appeared once says nothing about now).
 *
 * Adding a probe kind touches exactly three places: its settings in `ProbeKindSettings` (src/config/schema.ts),
 * one file here exporting a `ProbeKind`, and its entry in `PROBE_KINDS` below (the type makes a missing one an
 * error). Strings in its settings get their placeholders filled at plan time without further code.
 */
import type {ProbeConfig, ProbeKindName} from '../config/schema.js'
import {sleep} from '../util/sleep.js'
import {exec} from './exec.js'
import {httpKind} from './http.js'
import {log} from './log.js'
import {tcp} from './tcp.js'
import type {ProbeKind, ProbeTarget} from './types.js'

export type {ExecResult, ProbeKind, ProbeLine, ProbeTarget} from './types.js'

export const PROBE_KINDS: Record<ProbeKindName, ProbeKind> = {http: httpKind, tcp, log, exec}

/** Between liveness checks once ready: slow, so a healthy session costs next to nothing and access logs stay quiet. */
export const HEALTH_INTERVAL_MS = 10_000
export const UNHEALTHY_AFTER = 3

export function healthIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.NAACCORD_HEALTH_INTERVAL) || HEALTH_INTERVAL_MS
}

export function probeKind(probe: ProbeConfig): ProbeKindName {
  const kind = (Object.keys(PROBE_KINDS) as ProbeKindName[]).find((k) => probe[k] !== undefined)
  if (!kind) throw new Error('probe has no kind (the schema requires one)')
  return kind
}

export function describeProbe(probe: ProbeConfig): string {
  return PROBE_KINDS[probeKind(probe)].describe(probe)
}

export interface ReadyOptions {
  signal: AbortSignal
  /** When the launch began (ms since the epoch): the start period and the deadline count from it. */
  startedAt: number
  /** The unit's startTimeout. */
  timeoutMs: number
  /** The latest reason it is not ready, after each failed attempt (for status lines). */
  onWaiting?(reason: string): void
  /** Awaited before each attempt after the first: a target may hold an attempt back (a container's exec throttle). */
  beforeAttempt?(lastAttemptAt: number, signal: AbortSignal): Promise<void>
  now?(): number
}

export interface WatchOptions {
  signal: AbortSignal
  onChange(healthy: boolean, reason?: string): void
  intervalMs?: number
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'))
}

export class Prober {
  private readonly kind: ProbeKind

  constructor(
    readonly probe: ProbeConfig,
    readonly target: ProbeTarget,
  ) {
    this.kind = PROBE_KINDS[probeKind(probe)]
  }

  describe(): string {
    return this.kind.describe(this.probe)
  }

  /** Whether liveness re-runs it (not a log probe). */
  get live(): boolean {
    return this.kind.live
  }

  /** One attempt: undefined when it passed, otherwise why not. */
  attempt(signal: AbortSignal): Promise<string | undefined> {
    return this.kind.attempt(this.probe, this.target, this.probe.timeout, signal)
  }

  /** Resolves once an attempt passes; rejects as the module header says (retries, deadline, abort). */
  async waitReady(o: ReadyOptions): Promise<void> {
    const now = o.now ?? Date.now
    const {probe} = this
    let failures = 0
    let lastAt = 0
    for (;;) {
      if (o.signal.aborted) throw abortError(o.signal)
      if (lastAt && o.beforeAttempt) {
        await o.beforeAttempt(lastAt, o.signal)
        if (o.signal.aborted) throw abortError(o.signal)
      }
      lastAt = now()
      const reason = await this.attempt(o.signal)
      if (reason === undefined) return
      if (o.signal.aborted) throw abortError(o.signal)
      o.onWaiting?.(reason)
      if (now() - o.startedAt >= probe.startPeriod) failures++
      if (probe.retries > 0 && failures >= probe.retries)
        throw new Error(
          `not ready: ${failures} failed attempts in a row (retries: ${probe.retries}; ${this.describe()}): ${reason}`,
        )
      if (now() - o.startedAt >= o.timeoutMs)
        throw new Error(`not ready within ${formatMs(o.timeoutMs)} (${this.describe()}): ${reason}`)
      await sleep(Math.max(0, lastAt + probe.interval - now()), o.signal)
    }
  }

  /** Liveness until the signal aborts (see the module header). Does nothing for a kind that is not re-run. */
  watch(o: WatchOptions): void {
    if (!this.kind.live) return
    const intervalMs = o.intervalMs ?? healthIntervalMs()
    const {signal} = o
    let failures = 0
    let healthy = true
    const tick = async () => {
      if (signal.aborted) return
      const reason = await this.attempt(signal).catch((error: Error) => error.message)
      if (signal.aborted) return
      if (reason === undefined) {
        failures = 0
        if (!healthy) {
          healthy = true
          o.onChange(true)
        }
      } else if (++failures >= UNHEALTHY_AFTER && healthy) {
        healthy = false
        o.onChange(false, reason)
      }
      timer = setTimeout(tick, intervalMs).unref()
    }
    let timer = setTimeout(tick, intervalMs).unref()
    signal.addEventListener('abort', () => clearTimeout(timer), {once: true})
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}
