/**
 * What the dashboard watches and drives: a running session. The screen depends only on this interface, so it
 * works the same on the control socket (`socket-source.ts`) and on anything else that speaks the protocol.
 */
import type {LogLine, SessionEvent, SessionStatus} from '../session/protocol.js'

export type UnitAction = 'restart' | 'stop' | 'start'

export interface ActionResult {
  ok: boolean
  error?: string
}

export interface SessionSource {
  /**
   * Live events, in batches as they arrive: a `status` event first, then unit / log / shutdown events; ends when
   * the session goes away.
   */
  events(signal: AbortSignal): AsyncIterable<SessionEvent[]>
  /** The session's status now: polled now and then, so a unit event the session dropped under load is repaired. */
  status?(): Promise<SessionStatus>
  /**
   * The last `lines` log lines of every unit (or of `units`), oldest first: to fill the scrollback on attach, and a
   * selected unit's pane while the event stream is behind.
   */
  tail(lines: number, signal: AbortSignal, units?: string[]): Promise<LogLine[]>
  unitAction(name: string, action: UnitAction): Promise<ActionResult>
  /** Asks the session to stop; resolves once the stop has begun. */
  shutdown(timeoutMs?: number): Promise<ActionResult>
}
