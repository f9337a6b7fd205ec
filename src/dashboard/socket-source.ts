/** A SessionSource over the session's control socket: the session client's calls (session/client.ts), as is. */
import {events, getStatus, shutdown, streamLogs, unitAction} from '../session/client.js'
import type {LogLine, SessionEvent, SessionStatus} from '../session/protocol.js'
import type {ActionResult, SessionSource, UnitAction} from './source.js'

export class SocketSource implements SessionSource {
  constructor(readonly socketPath: string) {}

  events(signal: AbortSignal): AsyncIterable<SessionEvent[]> {
    return events(this.socketPath, signal)
  }

  status(): Promise<SessionStatus> {
    return getStatus(this.socketPath)
  }

  async tail(lines: number, signal: AbortSignal, units?: string[]): Promise<LogLine[]> {
    const out: LogLine[] = []
    await streamLogs(this.socketPath, {names: units, tail: lines, follow: false, signal}, (line) => out.push(line))
    return out
  }

  unitAction(name: string, action: UnitAction): Promise<ActionResult> {
    return unitAction(this.socketPath, name, action)
  }

  shutdown(timeoutMs?: number): Promise<ActionResult> {
    return shutdown(this.socketPath, {timeoutMs})
  }
}
