/**
 * The dashboard's scrollback: one byte-bounded ring per unit plus one for the merged "all" view (ring.ts keeps
 * the text outside the JavaScript heap). Lines are stored as received; sanitizing and colour-stripping happen
 * lazily, for lines that are shown or searched, so a log flood costs little more than the append.
 */
import type {LogLine} from '../session/protocol.js'
import {type Entry, LineRing} from './ring.js'
import {sanitizeLine, stripAnsi} from './text.js'

export type {Entry} from './ring.js'

export const ALL = '*all*'
export const DEFAULT_UNIT_BYTES = 2 * 1024 * 1024

export function prepared(entry: Entry): {line: string; plain: string} {
  if (entry.line === undefined) {
    entry.line = sanitizeLine(entry.raw)
    entry.plain = stripAnsi(entry.line)
  }
  return {line: entry.line, plain: entry.plain!}
}

export interface StoreOptions {
  /** Scrollback per unit, in bytes (default 2 MiB). */
  unitBytes?: number
  /** Scrollback of the merged view (default 4 × unitBytes). */
  allBytes?: number
}

export class LogStore {
  readonly all: LineRing
  private readonly units = new Map<string, LineRing>()
  private readonly unitBytes: number
  private readonly names: string[] = []

  constructor(options: StoreOptions = {}) {
    this.unitBytes = options.unitBytes ?? DEFAULT_UNIT_BYTES
    this.all = new LineRing(options.allBytes ?? this.unitBytes * 4, this.names)
  }

  /** Stores a line in its unit's ring and in the merged view's (each keeps its own copy of the bytes). */
  append(log: LogLine): void {
    this.ring(log.unit).push(log.unit, log.stream, log.line, log.ts)
    this.all.push(log.unit, log.stream, log.line, log.ts)
  }

  /** The ring of one unit, or of the merged view for ALL. */
  ring(view: string): LineRing {
    if (view === ALL) return this.all
    let ring = this.units.get(view)
    if (!ring) {
      ring = new LineRing(this.unitBytes, this.names)
      this.units.set(view, ring)
    }
    return ring
  }

  /** Total bytes held across the unit rings (the merged view holds a copy of the newest of them). */
  get bytes(): number {
    let total = 0
    for (const ring of this.units.values()) total += ring.bytes
    return total
  }
}
