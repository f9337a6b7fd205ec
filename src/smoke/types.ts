/**
 * The smoke suite's vocabulary: a check is a named, self-contained probe of one property of a running web/services
 * pair; the runner gives it a context and turns what it does (return, throw, time out) into a CheckResult.
 */
import type {StorageClient} from './client.js'
import type {WebWatcher} from './watch.js'

export type CheckStatus = 'pass' | 'fail' | 'info' | 'skip'

/**
 * A deviation from the wire contract that the run saw on a server that still works (the depot's known quirks:
 * double-wrapped metadata through web, octet-stream downloads, a wrong `.meta` checksum, 500 for traversal,
 * transient spooling on web, slow downloads). Reported in their own section; they never fail a run.
 */
export type FindingSeverity = 'INFO' | 'WARN'

export interface FindingInput {
  severity: FindingSeverity
  /** Short, stable id, e.g. `metadata-double-wrapped`. */
  id: string
  /** What was seen, with the figures that matter. */
  detail: string
}

export interface Finding extends FindingInput {
  /** The checks that saw it (a finding seen twice is listed once). */
  checks: string[]
}

export interface CheckResult {
  name: string
  title: string
  required: boolean
  status: CheckStatus
  durationMs: number
  /** One line (or a few) saying what happened. */
  detail: string
  /** On failure: what the contract wanted, and what came back. */
  expected?: string
  actual?: string
  /** Figures worth reporting (throughput, sizes). */
  metrics?: Record<string, number>
}

/** What a check returns when it does not throw: pass unless it says otherwise. */
export interface CheckOutcome {
  status?: 'pass' | 'info' | 'skip'
  detail: string
  metrics?: Record<string, number>
}

export interface CheckContext {
  runId: string
  /** `naaccord-smoke/<run-id>`: every file a check writes lives under it (without trailing slash). */
  prefix: string
  web?: StorageClient
  services?: StorageClient
  /** Bytes for the large streamed upload. */
  size: number
  /** Aborted when the check times out or the run is interrupted: pass it to every request. */
  signal: AbortSignal
  /** Watches the web server's folders when it runs on this machine. */
  watcher?: WebWatcher
  /** Local storage root of the services server, when known (path safety checks outside it). */
  storageRoot?: string
  /** services' own disk folders on this machine (its NAS_*_PATH), when known: path safety looks beside them too. */
  diskRoots?: string[]
  /** A transfer that moves no byte for this long has stalled (the run's per-check time limit). */
  stallMs: number
  /** --strict: transient writes by web (spooling) fail web-stores-nothing instead of warning. */
  strict: boolean
  /** Records a depot finding (see Finding). */
  finding(f: FindingInput): void
  /** Names of the checks selected for this run (a check may adapt, e.g. web-stores-nothing). */
  selected: Set<string>
}

export interface Check {
  name: string
  title: string
  /** A required check that fails makes the run fail; an optional one only informs. */
  required: boolean
  /** Per-check time limit; defaults to the run's timeout. */
  timeoutMs?: (ctx: CheckContext, defaultMs: number) => number
  /** Added to the report when the check times out (what a timeout means here). */
  timeoutHint?: string
  run(ctx: CheckContext): Promise<CheckOutcome>
}

/** Thrown by a check to fail with what was expected and what came back. */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly expected?: string,
    readonly actual?: string,
  ) {
    super(message)
    this.name = 'CheckFailure'
  }
}

/** Thrown by a check that cannot run here (e.g. no services URL): reported as skipped, with the reason. */
export class CheckSkipped extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CheckSkipped'
  }
}
