/**
 * Per-unit log files (`.naaccord/logs/<unit>.log`): raw lines, ANSI kept, size-capped and rotated to `.1`.
 * Output arrives as blocks of whole lines (as read from the pipe, never decoded on this path) or as single
 * lines (system lines); both are gathered and written in large chunks (at most every FLUSH_MS, or sooner when
 * a unit has BUFFER_BYTES pending): a log flood costs a few syscalls per megabyte and no per-line work.
 * The last RING_BYTES of each unit stay in memory, split into lines only when a client asks for a tail.
 */
import {chmodSync, closeSync, fchmodSync, mkdirSync, openSync, renameSync, statSync, writevSync} from 'node:fs'
import path from 'node:path'
import {splitLines} from '../util/lines.js'
import type {LogLine} from './protocol.js'

const FLUSH_MS = 100
const BUFFER_BYTES = 256 * 1024
// 32 MiB a file (plus one rotated): a morning of runserver output, or a 250k-line flood, fits whole.
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024
export const RING_BYTES = 256 * 1024

interface Block {
  buf: Buffer
  stream: LogLine['stream']
  ts: number
}

/** Splits a block of whole lines (each ending in \n) into LogLines. */
export function blockLines(unit: string, block: Block): LogLine[] {
  return splitLines(block.buf).map((line) => ({unit, stream: block.stream, line, ts: block.ts}))
}

class UnitLog {
  private fd: number
  private size: number
  private pending: Buffer[] = []
  private pendingBytes = 0
  private ring: Block[] = []
  private ringBytes = 0

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
  ) {
    this.fd = openSync(file, 'a', 0o600)
    // A file left by an earlier session may have been made under another umask.
    fchmodSync(this.fd, 0o600)
    try {
      this.size = statSync(file).size
    } catch {
      this.size = 0
    }
  }

  /** Adds a block of whole lines; true when enough is pending to write now. */
  add(block: Block): boolean {
    this.pending.push(block.buf)
    this.pendingBytes += block.buf.length
    this.ring.push(block)
    this.ringBytes += block.buf.length
    while (this.ringBytes > RING_BYTES && this.ring.length > 1) this.ringBytes -= this.ring.shift()!.buf.length
    return this.pendingBytes >= BUFFER_BYTES
  }

  tail(unit: string, n: number): LogLine[] {
    const out: LogLine[] = []
    for (let i = this.ring.length - 1; i >= 0 && out.length < n; i--) {
      const lines = blockLines(unit, this.ring[i])
      out.unshift(...lines.slice(Math.max(0, lines.length - (n - out.length))))
    }
    return out
  }

  flush(): void {
    if (this.pending.length === 0) return
    const pending = this.pending
    this.pending = []
    this.pendingBytes = 0
    // The current file never passes the cap by more than one block: rotate between two blocks (or lines).
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

  private writeOut(parts: Buffer[], from: number, to: number): void {
    if (to <= from) return
    // One writev, no copy: libuv splits it at IOV_MAX and finishes a short write itself.
    this.size += writevSync(this.fd, parts.slice(from, to))
  }

  private rotate(): void {
    closeSync(this.fd)
    renameSync(this.file, `${this.file}.1`)
    this.fd = openSync(this.file, 'a', 0o600)
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
    // Owner only, whatever the umask: servers print secrets. An existing folder is tightened too.
    mkdirSync(dir, {recursive: true, mode: 0o700})
    chmodSync(dir, 0o700)
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

  /** One line (a system line, or output that needed masking). */
  write(entry: LogLine): void {
    this.writeBlock(entry.unit, {buf: Buffer.from(`${entry.line}\n`), stream: entry.stream, ts: entry.ts})
  }

  /** A block of whole lines, each ending in \n, as read from the process. */
  writeBlock(unit: string, block: Block): void {
    const log = this.unit(unit)
    if (log.add(block)) log.flush()
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.flush()
      }, FLUSH_MS)
    }
  }

  /** The last n lines of each given unit (all when empty), oldest first. */
  tail(names: string[], n: number): LogLine[] {
    const chosen = names.length > 0 ? names : [...this.units.keys()]
    const lines = chosen.flatMap((name) => this.units.get(name)?.tail(name, n) ?? [])
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
