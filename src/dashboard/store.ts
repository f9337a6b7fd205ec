/**
 * The dashboard's scrollback: one byte-bounded ring per unit plus one for the merged "all" view (sharing entry
 * objects). Lines are stored as received; sanitizing and colour-stripping happen lazily, once, for lines that are
 * shown or searched, so a log flood costs little more than the append.
 */
import type {LogLine} from '../session/protocol.js'
import {ByteRing} from './ring.js'
import {sanitizeLine, stripAnsi} from './text.js'

export const ALL = '*all*'
export const DEFAULT_UNIT_BYTES = 2 * 1024 * 1024

export interface Entry {
  unit: string
  stream: LogLine['stream']
  raw: string
  ts: number
  bytes: number
  /** Sanitized (SGR kept) and plain forms, filled on first use. */
  line?: string
  plain?: string
}

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

// A rough per-entry overhead (object, fields), so many tiny lines are bounded too.
const ENTRY_OVERHEAD = 48

export class LogStore {
  readonly all: ByteRing<Entry>
  private readonly units = new Map<string, ByteRing<Entry>>()
  private readonly unitBytes: number

  constructor(options: StoreOptions = {}) {
    this.unitBytes = options.unitBytes ?? DEFAULT_UNIT_BYTES
    this.all = new ByteRing<Entry>(options.allBytes ?? this.unitBytes * 4, 1024)
  }

  append(log: LogLine): Entry {
    const entry: Entry = {
      unit: log.unit,
      stream: log.stream,
      raw: log.line,
      ts: log.ts,
      bytes: Buffer.byteLength(log.line) + ENTRY_OVERHEAD,
    }
    this.ring(log.unit).push(entry)
    this.all.push(entry)
    return entry
  }

  /** The ring of one unit, or of the merged view for ALL. */
  ring(view: string): ByteRing<Entry> {
    if (view === ALL) return this.all
    let ring = this.units.get(view)
    if (!ring) {
      ring = new ByteRing<Entry>(this.unitBytes, 256)
      this.units.set(view, ring)
    }
    return ring
  }

  /** Total bytes held across the unit rings (the merged view shares their entries). */
  get bytes(): number {
    let total = 0
    for (const ring of this.units.values()) total += ring.bytes
    return total
  }
}
