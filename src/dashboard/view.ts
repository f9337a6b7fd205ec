/**
 * The log pane's model, free of blessed: which lines of which view are visible, follow mode, scrolling, the
 * filter (only matching lines) and search (n/N between matches). Positions are sequence numbers in the view's
 * ring, so a scrolled-up view stays put while lines arrive and old ones are evicted.
 */
import type {LineRing} from './ring.js'
import {createMatcher, type Matcher} from './search.js'
import {ALL, type Entry, type LogStore, prepared} from './store.js'

/** The lines a view shows, in order: every entry of the ring, or only the filtered ones. */
interface SeqList {
  length: number
  at(i: number): number
  /** Index of the first line with seq ≥ the given one. */
  lowerBound(seq: number): number
}

class FilterIndex {
  private seqs: number[] = []
  private start = 0
  private scanned = 0

  constructor(
    readonly ring: LineRing,
    readonly matcher: Matcher,
  ) {}

  /** Catches up with new lines and drops evicted ones; cheap when nothing changed. */
  refresh(): SeqList {
    const ring = this.ring
    for (const [seq, entry] of ring.from(this.scanned))
      if (this.matcher.test(prepared(entry).plain)) this.seqs.push(seq)
    this.scanned = ring.nextSeq
    while (this.start < this.seqs.length && this.seqs[this.start] < ring.firstSeq) this.start++
    if (this.start > 4096 && this.start > this.seqs.length / 2) {
      this.seqs = this.seqs.slice(this.start)
      this.start = 0
    }
    const seqs = this.seqs
    const start = this.start
    return {
      length: seqs.length - start,
      at: (i) => seqs[start + i],
      lowerBound(seq) {
        let lo = start
        let hi = seqs.length
        while (lo < hi) {
          const mid = (lo + hi) >> 1
          if (seqs[mid] < seq) lo = mid + 1
          else hi = mid
        }
        return lo - start
      },
    }
  }
}

export interface VisibleLine {
  seq: number
  entry: Entry
}

export class LogView {
  /** The unit shown, or ALL for the merged view. */
  key = ALL
  follow = true
  /** Seq of the top visible line while not following. */
  private top = 0
  filter?: Matcher
  search?: Matcher
  /** Seq of the match n/N last moved to. */
  current?: number
  private index?: FilterIndex

  constructor(private readonly store: LogStore) {}

  get ring(): LineRing {
    return this.store.ring(this.key)
  }

  select(key: string): void {
    if (key === this.key) return
    this.key = key
    this.follow = true
    this.current = undefined
    this.index = undefined
  }

  setFilter(query: string): void {
    this.filter = createMatcher(query)
    this.index = undefined
    this.follow = true
  }

  setSearch(query: string): void {
    this.search = createMatcher(query)
    this.current = undefined
  }

  list(): SeqList {
    const ring = this.ring
    if (this.filter) {
      if (!this.index || this.index.ring !== ring || this.index.matcher !== this.filter) {
        this.index = new FilterIndex(ring, this.filter)
      }
      return this.index.refresh()
    }
    const first = ring.firstSeq
    const next = ring.nextSeq
    return {
      length: next - first,
      at: (i) => first + i,
      lowerBound: (seq) => Math.min(Math.max(seq - first, 0), next - first),
    }
  }

  /** Index in list() of the top visible line. */
  private topIndex(list: SeqList, height: number): number {
    const last = Math.max(0, list.length - height)
    if (this.follow) return last
    return Math.min(list.lowerBound(this.top), last)
  }

  /** The lines to draw in a pane `height` rows tall. Only these are ever rendered. */
  window(height: number): VisibleLine[] {
    const list = this.list()
    const ring = this.ring
    const from = this.topIndex(list, height)
    const out: VisibleLine[] = []
    for (let i = from; i < Math.min(list.length, from + height); i++) {
      const seq = list.at(i)
      out.push({seq, entry: ring.get(seq)!})
    }
    return out
  }

  /** Scrolls by `delta` lines (negative: up, toward older). Scrolling up pauses follow mode. */
  scroll(delta: number, height: number): void {
    const list = this.list()
    const last = Math.max(0, list.length - height)
    const idx = Math.min(Math.max(this.topIndex(list, height) + delta, 0), last)
    if (delta > 0 && idx >= last) {
      this.follow = true
      return
    }
    if (delta < 0 || !this.follow) {
      this.follow = false
      this.top = list.length === 0 ? this.ring.nextSeq : list.at(idx)
    }
  }

  toStart(): void {
    const list = this.list()
    this.follow = false
    this.top = list.length === 0 ? this.ring.nextSeq : list.at(0)
  }

  /** End / f: back to following the newest lines. */
  toEnd(): void {
    this.follow = true
  }

  /**
   * Moves to the next (dir 1, newer) or previous (dir -1, older) search match. Without a current match it starts
   * from the bottom of the window going up, or from its top going down. Returns false when there is none.
   */
  findNext(dir: 1 | -1, height: number): boolean {
    const search = this.search
    if (!search) return false
    const list = this.list()
    const ring = this.ring
    const from = this.topIndex(list, height)
    let i: number
    if (this.current !== undefined && this.current >= ring.firstSeq) {
      const at = list.lowerBound(this.current)
      i = dir === 1 ? (list.at(at) === this.current ? at + 1 : at) : at - 1
    } else {
      i = dir === 1 ? from : Math.min(list.length, from + height) - 1
    }
    for (; i >= 0 && i < list.length; i += dir) {
      const seq = list.at(i)
      if (search.test(prepared(ring.get(seq)!).plain)) {
        this.current = seq
        // Keep it on screen: only move when it is outside the window, then put it a third of the way down.
        if (this.follow || i < from || i >= from + height) {
          this.follow = false
          this.top = list.at(Math.max(0, i - Math.floor(height / 3)))
        }
        return true
      }
    }
    return false
  }

  /** Counts the matches of the search in the view (for the status line). */
  countMatches(): number {
    if (!this.search) return 0
    const list = this.list()
    const ring = this.ring
    let n = 0
    for (let i = 0; i < list.length; i++) if (this.search.test(prepared(ring.get(list.at(i))!).plain)) n++
    return n
  }
}
