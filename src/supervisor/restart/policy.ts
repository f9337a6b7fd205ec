/**
 * Restart policy (docker compose's vocabulary): whether an exit is restarted, how long to wait first
 * (exponential backoff with a cap) and when restarts come so fast that the unit is crash-looping.
 *
 * Adding a policy: its name in RESTART_POLICY_NAMES (src/config/schema.ts) and its row in RESTART_POLICIES below
 * (the type makes a missing row an error). Backoff and crash-loop limits apply to every policy alike.
 */
import type {RestartConfig, RestartPolicyName} from '../../config/schema.js'
import type {UnitExit} from '../unit.js'

/** A launch that stayed up this long counts as healthy again: the backoff starts over. */
export const STABLE_AFTER_MS = 10_000

/** Whether an unexpected exit is restarted, one row per policy. */
export const RESTART_POLICIES: Record<RestartPolicyName, (exit: UnitExit) => boolean> = {
  no: () => false,
  'on-failure': (exit) => exit.code !== 0,
  always: () => true,
}

export function wantsRestart(policy: RestartConfig['policy'], exit: UnitExit): boolean {
  return RESTART_POLICIES[policy](exit)
}

export type RestartDecision = {restart: true; delayMs: number; attempt: number} | {restart: false; reason: string}

/** Tracks one unit's restarts. `next` is asked after each unexpected exit. */
export class RestartTracker {
  private times: number[] = []
  private attempt = 0

  constructor(private readonly config: RestartConfig) {}

  /** Forget the history (a manual restart or start). */
  reset(): void {
    this.times = []
    this.attempt = 0
  }

  next(exit: UnitExit, upMs: number, now = Date.now()): RestartDecision {
    if (!wantsRestart(this.config.policy, exit)) {
      return {restart: false, reason: `restart policy is ${this.config.policy}`}
    }
    if (upMs >= STABLE_AFTER_MS) this.attempt = 0
    this.times = this.times.filter((t) => now - t < this.config.window)
    if (this.times.length >= this.config.maxRestarts) {
      return {
        restart: false,
        reason: `crash loop: ${this.times.length} restarts within ${Math.round(this.config.window / 1000)}s; not restarting again (fix it, then \`naaccord restart <name>\`)`,
      }
    }
    this.times.push(now)
    const delayMs = backoffDelay(this.attempt, this.config.backoffInitial, this.config.backoffMax)
    this.attempt++
    return {restart: true, delayMs, attempt: this.times.length}
  }
}

/** initial · 2^attempt, capped at max. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30))
}
