/**
 * Fetched lines merged with the live event stream: the tail fetched on attach (after subscribing, so no line falls
 * between the two), and a selected unit's latest lines.
 *
 * A pane selected while the event stream is behind shows the present. A client that falls behind the session
 * gets no log lines until it has read its backlog (session/control-server.ts), so a unit selected meanwhile showed
 * nothing new for as long: 0.3–0.9 s as a flood began. On selection the dashboard fetches that unit's latest lines
 * on a connection of their own and appends the ones it does not have yet; lines of that unit still arriving from
 * the backlog, older than those, are then dropped rather than shown out of order (the log files keep them).
 */
import type {LogLine} from '../session/protocol.js'
import type {LogStore} from './store.js'

/** How many of a unit's latest lines a selection fetches: a zoomed pane's worth, with some to scroll. */
export const REFILL_LINES = 100

export class Refill {
  /** Per unit: the newest fetched line's time, and the lines fetched at exactly that time (duplicates to skip). */
  private readonly marks = new Map<string, {ts: number; lines: Set<string>}>()

  /** Whether a line from the event stream is older than, or one of, the newest lines a refill already added. */
  stale(log: LogLine): boolean {
    const mark = this.marks.get(log.unit)
    if (!mark) return false
    if (log.ts < mark.ts) return true
    if (log.ts === mark.ts) return mark.lines.has(log.line)
    // The stream has reached the present: nothing older can follow.
    this.marks.delete(log.unit)
    return false
  }

  /** Appends the fetched lines (oldest first) that are newer than the unit's newest stored line; returns how many. */
  apply(store: LogStore, unit: string, fetched: LogLine[]): number {
    const ring = store.ring(unit)
    const newest = ring.get(ring.nextSeq - 1)
    const newestTs = newest?.ts ?? Number.NEGATIVE_INFINITY
    // Lines stored at the newest time, to tell a line already there from another one of the same millisecond.
    const atNewest = new Set<string>()
    for (let seq = ring.nextSeq - 1; seq >= ring.firstSeq; seq--) {
      const entry = ring.get(seq)
      if (!entry || entry.ts !== newestTs) break
      atNewest.add(entry.raw)
    }
    // Only this unit's lines: an attach's tail holds every unit's, one unit after another.
    const mine = fetched.filter((l) => l.unit === unit)
    let added = 0
    for (const line of mine) {
      if (line.ts < newestTs || (line.ts === newestTs && atNewest.has(line.line))) continue
      store.append(line)
      added++
    }
    const last = mine.at(-1)
    if (added > 0 && last) {
      this.marks.set(unit, {
        ts: last.ts,
        lines: new Set(mine.filter((l) => l.ts === last.ts).map((l) => l.line)),
      })
    }
    return added
  }
}
