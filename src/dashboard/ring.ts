/**
 * A scrollback bounded by bytes, not lines: one chatty process can never take the dashboard's memory, and a quiet
 * one keeps a long history. Lines are addressed by a sequence number that only grows, so views (filters, scroll
 * anchors, search positions) keep pointing at the same line while old lines fall off the front.
 *
 * The lines' text lives outside the JavaScript heap, UTF-8 in pages of bytes; per line only numbers are kept (end
 * offset, time, stream, unit), in plain arrays of numbers that hold no objects. A line becomes a string again only
 * when it is shown or searched. Why: under a log flood every line stays in the scrollback for a while, so with one
 * object and one string per line nearly everything the dashboard allocated survived each young-generation GC and
 * had to be copied, then promoted: pauses of 30-60 ms, in which a key press waited.
 */
import type {LogLine} from '../session/protocol.js'

/** A line as views see it (made on demand). `line`/`plain` are the sanitized and plain forms, filled on use. */
export interface Entry {
  unit: string
  stream: LogLine['stream']
  raw: string
  ts: number
  bytes: number
  line?: string
  plain?: string
}

const STREAMS: LogLine['stream'][] = ['stdout', 'stderr', 'system']
// A rough per-line overhead (its numbers), so many tiny lines are bounded too.
export const LINE_OVERHEAD = 16
const MAX_PAGE = 64 * 1024

class Page {
  readonly buf: Buffer
  used = 0
  /** Per line: where it ends in buf, its time, stream and unit (indexes). */
  ends: number[] = []
  ts: number[] = []
  streams: number[] = []
  units: number[] = []
  /** Bytes counted against the ring's bound: the text plus LINE_OVERHEAD a line. */
  bytes = 0
  firstSeq = 0

  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size)
  }

  reset(firstSeq: number): void {
    this.used = 0
    this.bytes = 0
    this.firstSeq = firstSeq
    this.ends.length = 0
    this.ts.length = 0
    this.streams.length = 0
    this.units.length = 0
  }
}

export class LineRing {
  private readonly pages: Page[] = []
  /** The last dropped page of the usual size, reused for the next new one: a flood then allocates no memory. */
  private spare: Page | undefined
  private readonly pageSize: number
  private total = 0
  private count = 0
  private first = 0

  constructor(
    readonly maxBytes: number,
    /** The unit names, shared by the rings of one store: a line keeps the index of its unit's name. */
    private readonly names: string[] = [],
  ) {
    // At least 16 pages to the bound, so dropping the oldest page frees a small part of the scrollback.
    this.pageSize = Math.max(256, Math.min(MAX_PAGE, Math.floor(maxBytes / 16)))
  }

  /** Appends a line, dropping the oldest pages while over the byte bound (the newest line always stays). */
  push(unit: string, stream: LogLine['stream'], raw: string, ts: number): number {
    let page = this.pages.at(-1)
    // UTF-8 takes at most 3 bytes per UTF-16 unit; measure exactly only when the quick bound does not fit.
    let need = raw.length * 3
    if (!page || page.used + need > page.buf.length) {
      need = Buffer.byteLength(raw)
      if (!page || page.used + need > page.buf.length) page = this.newPage(need)
    }
    const written = page.buf.write(raw, page.used)
    page.used += written
    page.ends.push(page.used)
    page.ts.push(ts)
    page.streams.push(STREAMS.indexOf(stream))
    page.units.push(this.nameIndex(unit))
    page.bytes += written + LINE_OVERHEAD
    this.total += written + LINE_OVERHEAD
    this.count++
    while (this.total > this.maxBytes && this.pages.length > 1) this.dropOldest()
    return this.first + this.count - 1
  }

  /** Sequence number of the oldest kept line. */
  get firstSeq(): number {
    return this.first
  }

  /** Sequence number the next pushed line will get. */
  get nextSeq(): number {
    return this.first + this.count
  }

  get size(): number {
    return this.count
  }

  get bytes(): number {
    return this.total
  }

  get(seq: number): Entry | undefined {
    if (seq < this.first || seq >= this.first + this.count) return undefined
    const page = this.pageOf(seq)
    const i = seq - page.firstSeq
    const start = i === 0 ? 0 : page.ends[i - 1]
    const end = page.ends[i]
    return {
      unit: this.names[page.units[i]],
      stream: STREAMS[page.streams[i]] ?? 'stdout',
      raw: page.buf.toString('utf8', start, end),
      ts: page.ts[i],
      bytes: end - start + LINE_OVERHEAD,
    }
  }

  /** Lines from seq `from` (inclusive) to the newest, oldest first. */
  *from(from: number): IterableIterator<[number, Entry]> {
    for (let seq = Math.max(from, this.first); seq < this.first + this.count; seq++) yield [seq, this.get(seq)!]
  }

  private pageOf(seq: number): Page {
    const pages = this.pages
    let lo = 0
    let hi = pages.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (pages[mid].firstSeq <= seq) lo = mid
      else hi = mid - 1
    }
    return pages[lo]
  }

  private newPage(need: number): Page {
    const spare = this.spare
    let page: Page
    if (spare && need <= spare.buf.length) {
      this.spare = undefined
      page = spare
    } else page = new Page(Math.max(this.pageSize, need))
    page.reset(this.first + this.count)
    this.pages.push(page)
    return page
  }

  private dropOldest(): void {
    const page = this.pages.shift()!
    const lines = page.ends.length
    this.first += lines
    this.count -= lines
    this.total -= page.bytes
    if (page.buf.length === this.pageSize) this.spare = page
  }

  private nameIndex(unit: string): number {
    // Few units: a scan of a short array beats a Map lookup here.
    const names = this.names
    for (let i = 0; i < names.length; i++) if (names[i] === unit) return i
    names.push(unit)
    return names.length - 1
  }
}
