import type {ProbeConfig} from '../config/schema.js'

/** What one probe attempt needs besides its own settings. */
export interface ProbeContext {
  /** Log lines of the current launch only (a log probe must not match an earlier start's output). */
  linesSinceStart(): readonly string[]
  signal: AbortSignal
  cwd?: string
  env?: Record<string, string>
}

/** One attempt: undefined when ready, otherwise a short reason (shown while waiting and when giving up). */
export type ProbeAttempt = (probe: ProbeConfig, ctx: ProbeContext, timeoutMs: number) => Promise<string | undefined>
