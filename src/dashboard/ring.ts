/**
 * A scrollback bounded by bytes, not lines: one chatty process can never take the dashboard's memory, and a quiet
 * one keeps a long history. Entries are addressed by a sequence number that only grows, so views (filters, scroll
 * anchors, search positions) keep pointing at the same line while old lines fall off the front.
 */
export interface Sized {
  bytes: number
}

export class ByteRing<T extends Sized> {
  private buf: (T | undefined)[]
  private head = 0
  private count = 0
  private total = 0
  private first = 0

  constructor(
    readonly maxBytes: number,
    initialCapacity = 256,
  ) {
    this.buf = new Array(Math.max(2, initialCapacity))
  }

  /** Appends an entry, evicting the oldest while over the byte bound (the newest entry always stays). */
  push(item: T): number {
    if (this.count === this.buf.length) this.grow()
    this.buf[(this.head + this.count) % this.buf.length] = item
    this.count++
    this.total += item.bytes
    while (this.total > this.maxBytes && this.count > 1) this.shift()
    return this.first + this.count - 1
  }

  /** Sequence number of the oldest kept entry. */
  get firstSeq(): number {
    return this.first
  }

  /** Sequence number the next pushed entry will get. */
  get nextSeq(): number {
    return this.first + this.count
  }

  get size(): number {
    return this.count
  }

  get bytes(): number {
    return this.total
  }

  get(seq: number): T | undefined {
    const i = seq - this.first
    if (i < 0 || i >= this.count) return undefined
    return this.buf[(this.head + i) % this.buf.length]
  }

  /** Entries from seq `from` (inclusive) to the newest, oldest first. */
  *from(from: number): IterableIterator<[number, T]> {
    for (let seq = Math.max(from, this.first); seq < this.first + this.count; seq++) yield [seq, this.get(seq)!]
  }

  private shift(): void {
    const item = this.buf[this.head]!
    this.buf[this.head] = undefined
    this.head = (this.head + 1) % this.buf.length
    this.count--
    this.total -= item.bytes
    this.first++
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.buf.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length]
    this.buf = next
    this.head = 0
  }
}
