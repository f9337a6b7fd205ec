import type {ProbeConfig} from '../config/schema.js'

export interface ProbeLine {
  stream: 'stdout' | 'stderr'
  line: string
}

export interface ExecResult {
  /** null when it was killed (timed out, aborted). */
  exitCode: number | null
  timedOut: boolean
  /** Its output, stdout and stderr interleaved (the tail is enough: the last line explains a failure). */
  output: string
}

/**
 * Where a probe runs: a server process or a container. A kind uses only this, so it works on both unchanged.
 * Placeholders were filled at plan time; the target only maps ports and runs things.
 */
export interface ProbeTarget {
  /** The host port that reaches `port` as written in the probe: a container's published port for one of its own, else `port`. */
  hostPort(port: number): number
  /** Output lines of the current launch only (a log probe must never match an earlier start's). */
  lines(): readonly ProbeLine[]
  /** Runs a command: a server's in its folder with its environment; a container's inside it, through the engine. */
  exec(command: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<ExecResult>
}

/** One kind of probe: one attempt (undefined when it passed, otherwise a short reason) and a one-line description. */
export interface ProbeKind {
  attempt(probe: ProbeConfig, target: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<string | undefined>
  describe(probe: ProbeConfig): string
  /** False for a kind whose success says nothing about later (a log line): not re-run once ready. */
  live: boolean
}
