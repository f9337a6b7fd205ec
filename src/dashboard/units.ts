/**
 * The session as the screen knows it: its status, the units, whether it is stopping and since when each unit is,
 * and whether the start-up waterfall shows. Fed by the event stream and the periodic status re-read; every method
 * that needs the clock takes `now`.
 */
import type {SessionEvent, SessionStatus, UnitStatus} from '../session/protocol.js'

export class SessionModel {
  status: SessionStatus | undefined
  units: UnitStatus[] = []
  stopping = false
  /** Set by `w` (and by quitting): overrides whether the waterfall shows. */
  showFlow: boolean | undefined
  /** When (ms) each unit was first seen stopping, for the stop countdowns. */
  readonly stoppingSince = new Map<string, number>()

  /** Applies an event that is not a log line. True when it is the end of the session's shutdown. */
  apply(event: SessionEvent, now: number): boolean {
    switch (event.type) {
      case 'status':
        this.status = event.status
        this.units = event.status.units
        for (const unit of this.units) this.trackStopping(unit, now)
        if (event.status.state === 'stopping') this.stopping = true
        return false
      case 'unit':
        this.applyUnit(event.unit, now)
        return false
      case 'shutdown':
        if (event.phase === 'begin') this.stopping = true
        return event.phase === 'end'
      default:
        return false
    }
  }

  /** A status read outside the stream (it may have dropped events for a slow client): units are merged in. */
  resynced(status: SessionStatus, now: number): void {
    this.status = status
    if (status.state === 'stopping') this.stopping = true
    for (const unit of status.units) this.applyUnit(unit, now)
  }

  applyUnit(unit: UnitStatus, now: number): void {
    const i = this.units.findIndex((u) => u.name === unit.name)
    if (i === -1) this.units.push(unit)
    else this.units[i] = unit
    this.trackStopping(unit, now)
    if (this.status && this.status.state === 'starting' && this.units.every((u) => u.state === 'ready')) {
      this.status.state = 'running'
    }
  }

  private trackStopping(unit: UnitStatus, now: number): void {
    if (unit.state === 'stopping' && !this.stoppingSince.has(unit.name)) this.stoppingSince.set(unit.name, now)
  }

  /**
   * Whether the pane under the list shows: always while stopping, as `w` last set it, while starting, and for a
   * few seconds after the session's own start-up (not a later restart) so it can be read.
   */
  flowVisible(now: number): boolean {
    if (this.stopping) return true
    if (this.showFlow !== undefined) return this.showFlow
    if (this.status?.state === 'starting') return true
    const lastReady = Math.max(0, ...this.units.map((u) => u.readyAt ?? 0))
    const startedAt = this.status?.startedAt ?? 0
    return lastReady - startedAt < 60_000 && now - lastReady < 5000
  }
}
