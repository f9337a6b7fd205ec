/**
 * Per-unit log files (`.naaccord/logs/<unit>.log`): raw lines, ANSI kept, size-capped and rotated to `.1`.
 * Lines are gathered in memory and written in large chunks (at most every FLUSH_MS, or sooner when a unit has
 * BUFFER_BYTES pending): a log flood costs a few syscalls per megabyte, not one per line.
 * A small ring of recent lines per unit serves `logs --tail` and attaching clients without reading files.
 */
import {closeSync, mkdirSync, openSync, renameSync, statSync, writeSync} from 'node:fs'
import path from 'node:path'
import type {LogLine} from './protocol.js'

const FLUSH_MS = 100
const BUFFER_BYTES = 256 * 1024
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024
export const RING_LINES = 2000

class UnitLog {
  private fd: number
  private size: number
  private pending: string[] = []
  private pendingBytes = 0
  readonly ring: (LogLine | undefined)[] = new Array(RING_LINES)
  private ringNext = 0
  private ringCount = 0

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
  ) {
    this.fd = openSync(file, 'a')
    try {
      this.size = statSync(file).size
    } catch {
      this.size = 0
    }
  }

  add(entry: LogLine): boolean {
    const text = `${entry.line}\n`
    this.pending.push(text)
    // Length in UTF-16 units: close enough to bytes for a flush trigger; the exact size is counted at write.
    this.pendingBytes += text.length
    this.ring[this.ringNext] = entry
    this.ringNext = (this.ringNext + 1) % RING_LINES
    if (this.ringCount < RING_LINES) this.ringCount++
    return this.pendingBytes >= BUFFER_BYTES
  }

  tail(n: number): LogLine[] {
    const count = Math.min(n, this.ringCount)
    const out: LogLine[] = []
    for (let i = count; i > 0; i--) {
      const entry = this.ring[(this.ringNext - i + RING_LINES) % RING_LINES]
      if (entry) out.push(entry)
    }
    return out
  }

  flush(): void {
    if (this.pending.length === 0) return
    const pending = this.pending
    this.pending = []
    this.pendingBytes = 0
    // Whole lines only, and the current file never past the cap: rotate between two lines when the next would
    // cross it. (String length stands in for bytes here: exact for ASCII, and the cap is a soft limit.)
    let start = 0
    let bytes = 0
    for (let i = 0; i < pending.length; i++) {
      const n = pending[i].length
      if (this.size + bytes + n > this.maxBytes && this.size + bytes > 0) {
        this.writeOut(pending, start, i)
        this.rotate()
        start = i
        bytes = 0
      }
      bytes += n
    }
    this.writeOut(pending, start, pending.length)
  }

  private writeOut(parts: string[], from: number, to: number): void {
    if (to <= from) return
    const buf = Buffer.from((from === 0 && to === parts.length ? parts : parts.slice(from, to)).join(''), 'utf8')
    let off = 0
    while (off < buf.length) off += writeSync(this.fd, buf, off)
    this.size += buf.length
  }

  private rotate(): void {
    closeSync(this.fd)
    renameSync(this.file, `${this.file}.1`)
    this.fd = openSync(this.file, 'a')
    this.size = 0
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

export class LogFiles {
  private readonly units = new Map<string, UnitLog>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly dir: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {
    mkdirSync(dir, {recursive: true})
  }

  fileOf(unit: string): string {
    return path.join(this.dir, `${unit}.log`)
  }

  private unit(name: string): UnitLog {
    let log = this.units.get(name)
    if (!log) {
      log = new UnitLog(this.fileOf(name), this.maxBytes)
      this.units.set(name, log)
    }
    return log
  }

  write(entry: LogLine): void {
    const log = this.unit(entry.unit)
    if (log.add(entry)) log.flush()
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.flush()
      }, FLUSH_MS)
    }
  }

  /** The last n lines of the given units (all when empty), oldest first. */
  tail(names: string[], n: number): LogLine[] {
    const chosen = names.length > 0 ? names : [...this.units.keys()]
    const lines = chosen.flatMap((name) => this.units.get(name)?.tail(n) ?? [])
    lines.sort((a, b) => a.ts - b.ts)
    return lines
  }

  flush(): void {
    for (const log of this.units.values()) log.flush()
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    for (const log of this.units.values()) log.close()
    this.units.clear()
  }
}
