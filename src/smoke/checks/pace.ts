/**
 * Time limits for the large transfers, from what the run measures instead of a fixed MB/s: a transfer fails when it
 * stalls (no byte moves for `stallMs`, the run's per-check limit) or when it overruns a deadline derived from a
 * measured duration with a generous factor. The depot's web, for one, sends nothing until it has assembled a whole
 * download (quadratically: 145 s for 64 MiB that went up in 17 s), so time to the first byte only has the deadline.
 */
import {CheckFailure} from '../types.js'

/** Waiting for the upload's answer once the body is sent: up to this many times the sending took (at least stallMs). */
export const ANSWER_FACTOR = 10
/** A download may take up to this many times its upload (at least twice stallMs). */
export const DOWNLOAD_FACTOR = 20
/** A download this many times slower than its upload is reported (WARN slow-download). */
export const SLOW_FACTOR = 4

export interface TransferState {
  startedAt: number
  /** Last time a byte moved (or the start). */
  lastProgressAt: number
  bytes: number
  /** Idle time counts as a stall only while armed (not while the server is expected to be silent). */
  stallArmed: boolean
  /** Absolute time by which the transfer must be done (Infinity: none). */
  deadline: number
}

export type TransferVerdict =
  | {kind: 'stall'; idleMs: number; bytes: number}
  | {kind: 'deadline'; elapsedMs: number; bytes: number}
  | undefined

/** Pure: has this transfer stalled or overrun its deadline at `now`? */
export function judgeTransfer(s: TransferState, stallMs: number, now: number): TransferVerdict {
  if (now > s.deadline) return {kind: 'deadline', elapsedMs: now - s.startedAt, bytes: s.bytes}
  if (s.stallArmed && now - s.lastProgressAt > stallMs)
    return {kind: 'stall', idleMs: now - s.lastProgressAt, bytes: s.bytes}
  return undefined
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/**
 * Watches one transfer: call `progress` as bytes move; pass `signal` to the request. On a stall or an overrun it
 * aborts the request, and `failure()` says which, with the figures.
 */
export class TransferWatch {
  readonly state: TransferState
  private readonly controller = new AbortController()
  readonly signal: AbortSignal
  private readonly timer: NodeJS.Timeout
  verdict: TransferVerdict
  /** Says what the deadline was derived from, for the failure message. */
  deadlineWhy = ''

  constructor(
    readonly what: string,
    readonly stallMs: number,
    outer: AbortSignal,
    private readonly now: () => number = () => performance.now(),
  ) {
    const t = now()
    this.state = {startedAt: t, lastProgressAt: t, bytes: 0, stallArmed: true, deadline: Number.POSITIVE_INFINITY}
    this.signal = AbortSignal.any([outer, this.controller.signal])
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(1000, stallMs / 4)))
    this.timer.unref()
  }

  private tick(): void {
    if (this.verdict) return
    this.verdict = judgeTransfer(this.state, this.stallMs, this.now())
    if (this.verdict) this.controller.abort(new Error(`${this.what}: ${this.verdict.kind}`))
  }

  progress(bytes: number): void {
    if (bytes > this.state.bytes) {
      this.state.bytes = bytes
      this.state.lastProgressAt = this.now()
    }
  }

  /** From now on the transfer must be over within `ms` (and silence is not a stall unless `stall` says so). */
  deadlineIn(ms: number, why: string, stall = false): void {
    this.state.deadline = this.now() + ms
    this.state.stallArmed = stall
    this.deadlineWhy = why
  }

  arm(stall: boolean): void {
    this.state.stallArmed = stall
    this.state.lastProgressAt = this.now()
  }

  elapsed(): number {
    return this.now() - this.state.startedAt
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** The CheckFailure for a tripped watch (undefined when it did not trip). */
  failure(): CheckFailure | undefined {
    const v = this.verdict
    if (!v) return undefined
    if (v.kind === 'stall')
      return new CheckFailure(
        `${this.what} stalled: no byte moved for ${seconds(v.idleMs)} after ${v.bytes} bytes`,
        `bytes moving at least every ${seconds(this.stallMs)}`,
        `nothing for ${seconds(v.idleMs)} (stopped)`,
      )
    return new CheckFailure(
      `${this.what} overran its limit after ${seconds(v.elapsedMs)} (${v.bytes} bytes moved)`,
      `done within ${this.deadlineWhy}`,
      `not done after ${seconds(v.elapsedMs)} (stopped)`,
    )
  }
}
