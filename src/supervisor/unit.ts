/**
 * What the supervisor drives: one unit of the session, a server process or a Docker dependency. The supervisor
 * owns ordering, conditions, restart policy and stop order; a runner owns one unit's mechanics.
 */
import type {UnitStatus} from '../session/protocol.js'

export interface UnitHooks {
  /** One line of output (without its newline), or a `system` line written by naaccord about this unit. */
  log(stream: 'stdout' | 'stderr' | 'system', line: string): void
  /**
   * Optional fast path for process output: a block of complete lines (each ending in \n), as read. When present,
   * runners that read raw output call this instead of log(), so a log flood costs no per-line work.
   */
  output?(stream: 'stdout' | 'stderr', block: Buffer): void
  /** A change to this unit's status (state, pid, health, message, …). */
  update(patch: Partial<UnitStatus>): void
}

export interface UnitExit {
  code: number | null
  signal: string | null
}

export interface UnitRunner {
  readonly name: string
  /** Launches (or, for a container, reuses and starts) the unit; resolves once launched: the `started` condition. */
  start(signal: AbortSignal): Promise<void>
  /** Resolves when ready (probe or health check passes); rejects with an Error saying why it never got ready. */
  waitReady(signal: AbortSignal): Promise<void>
  /** Resolves when the current launch has ended: the `completed` condition, and the restart policy's input. */
  waitExit(): Promise<UnitExit>
  /**
   * Optional liveness once ready, until the signal aborts (the launch ended): onChange(false, why) when it turns
   * unhealthy, onChange(true) when it recovers (src/probes' Prober).
   */
  watchHealth?(signal: AbortSignal, onChange: (healthy: boolean, reason?: string) => void): void
  /** Graceful stop within timeoutMs, then force; resolves when nothing of the unit is left running. */
  stop(timeoutMs: number): Promise<void>
  /**
   * Optional: load what start needs, in the background, once the session has begun launching. A unit waiting on
   * a database then has it loaded by the time it starts, and the first engine request is not held up by it.
   */
  prepare?(): void
}
