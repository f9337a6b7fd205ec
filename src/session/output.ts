/**
 * How `naaccord start` shows a session without the dashboard: docker-compose-like prefixed lines coloured per
 * unit, system lines about state changes, JSON lines for CI, and a start-up timeline.
 *
 * Under a log flood these run for every line of every unit. Units' output comes to `output()` as raw chunks of
 * bytes (the session's onOutput): split into lines with a carried partial per unit and stream (util/lines.ts), each
 * line prefixed with bytes made once per unit, nothing decoded (JSON decodes and escapes only the line's text).
 * The bytes are what the string path printed for valid UTF-8; bytes that are not valid UTF-8 now go to stdout as
 * they are (as they go to the log files), where the string path printed U+FFFD for them.
 * `event()` takes the session's other events (system lines, unit states) and lines that come as strings (`logs`).
 * What they write goes out through a TurnWriter (util/turn-writer.ts), one write per turn of the event loop.
 */
import chalk, {type ChalkInstance} from 'chalk'
import {formatDuration} from '../util/duration.js'
import {blockSplitter, prefixLines, type Splitter, splitLines, wrapPlainLines} from '../util/lines.js'
import type {Chunk} from '../util/turn-writer.js'
import type {SessionEvent, UnitStatus} from './protocol.js'

const COLOURS: ChalkInstance[] = [chalk.cyan, chalk.yellow, chalk.green, chalk.magenta, chalk.blue, chalk.red]

export type Write = (chunk: Chunk) => void
type Stream = 'stdout' | 'stderr'

/** Whether to colour: NO_COLOR (any non-empty value, https://no-color.org) wins over chalk's own detection. */
export function colourWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && chalk.level > 0
}

/** Turns chalk off for the whole process when NO_COLOR says so (every command's entry calls it). */
export function applyNoColor(env: NodeJS.ProcessEnv = process.env): void {
  if (!colourWanted(env)) chalk.level = 0
}

/** Prefixed, coloured (unless `colour` is false), one line per line. */
export class PrefixedPrinter {
  private readonly width: number
  private readonly colour = new Map<string, ChalkInstance>()
  /** Each unit's finished prefix, coloured, made on first use; and as bytes. */
  private readonly prefixes = new Map<string, string>()
  private readonly prefixBytes = new Map<string, Buffer>()
  private readonly lines = new LineSplitters((unit, _stream, block) => this.write(prefixLines(block, this.bytes(unit))))
  private readonly last = new Map<string, string>()
  private readonly dim: (s: string) => string
  private readonly red: (s: string) => string

  constructor(
    names: string[],
    private readonly write: Write,
    private readonly useColour = colourWanted(),
  ) {
    this.width = Math.max(8, ...names.map((n) => n.length))
    for (const [i, n] of names.entries()) this.colour.set(n, COLOURS[i % COLOURS.length])
    this.colour.set('naaccord', chalk.gray)
    this.dim = useColour ? chalk.dim : (s) => s
    this.red = useColour ? chalk.red : (s) => s
  }

  private prefix(unit: string): string {
    let p = this.prefixes.get(unit)
    if (p === undefined) {
      const text = `${unit.padEnd(this.width)} | `
      p = this.useColour ? (this.colour.get(unit) ?? chalk.white)(text) : text
      this.prefixes.set(unit, p)
    }
    return p
  }

  private bytes(unit: string): Buffer {
    let p = this.prefixBytes.get(unit)
    if (p === undefined) {
      p = Buffer.from(this.prefix(unit))
      this.prefixBytes.set(unit, p)
    }
    return p
  }

  /** Raw output of a unit: any chunking; a line cut at a chunk's end waits for its rest (or end()). */
  output(unit: string, stream: Stream, chunk: Buffer, _ts?: number): void {
    this.lines.push(unit, stream, chunk)
  }

  /** Output is over: a last line without its newline goes out, with one. */
  end(): void {
    this.lines.end()
  }

  event(event: SessionEvent): void {
    if (event.type === 'log') {
      const {unit, stream, line} = event.log
      if (stream === 'system') this.write(`${this.prefix(unit)}${this.dim(`» ${line}`)}\n`)
      else this.write(`${this.prefix(unit)}${line}\n`)
    } else if (event.type === 'unit') {
      const {name, state, message} = event.unit
      const key = `${state}|${message ?? ''}`
      if (this.last.get(name) === key) return
      this.last.set(name, key)
      // Failures and waits are worth a line; starting/ready/stopped already come as system log lines.
      if (state === 'failed' && message) this.write(`${this.prefix(name)}${this.red(`✗ ${message}`)}\n`)
      else if (state === 'pending' && message) this.write(`${this.prefix(name)}${this.dim(`» ${message}`)}\n`)
    }
  }
}

/** JSON lines for CI: starting, ready, exited, restarted, stopped, failed (one object each), and log lines. */
export class JsonPrinter {
  private readonly states = new Map<string, string>()
  private readonly heads = new Map<string, string>()
  private ts = 0
  private readonly headBytes = new Map<string, Buffer>()
  private readonly lines = new LineSplitters((unit, stream, block) => {
    const head = this.head(unit, stream)
    const tail = `,"ts":${this.ts}}\n`
    // Plain ASCII lines (most output) are wrapped as bytes in one pass; others are decoded and escaped.
    const plain = wrapPlainLines(block, this.headQuote(unit, stream, head), Buffer.from(`"${tail}`))
    if (plain) return this.write(plain)
    let text = ''
    for (const line of splitLines(block)) text += `${head}${JSON.stringify(line)}${tail}`
    this.write(text)
  })

  constructor(private readonly write: Write) {}

  private head(unit: string, stream: string): string {
    const key = `${unit}\0${stream}`
    let head = this.heads.get(key)
    if (head === undefined) {
      head = `{"event":"log","unit":${JSON.stringify(unit)},"stream":${JSON.stringify(stream)},"line":`
      this.heads.set(key, head)
    }
    return head
  }

  /** The head and the line's opening quote, as bytes. */
  private headQuote(unit: string, stream: string, head: string): Buffer {
    const key = `${unit}\0${stream}`
    let bytes = this.headBytes.get(key)
    if (bytes === undefined) {
      bytes = Buffer.from(`${head}"`)
      this.headBytes.set(key, bytes)
    }
    return bytes
  }

  /** Raw output of a unit, read at `ts`: as output() of PrefixedPrinter, one JSON log line per line. */
  output(unit: string, stream: Stream, chunk: Buffer, ts: number): void {
    this.ts = ts
    this.lines.push(unit, stream, chunk)
  }

  end(): void {
    this.lines.end()
  }

  event(event: SessionEvent): void {
    if (event.type === 'log') {
      // The same text as line({event: 'log', unit, stream, line, ts}), with the head made once per unit and stream.
      const {unit, stream, line, ts} = event.log
      this.write(`${this.head(unit, stream)}${JSON.stringify(line)},"ts":${ts}}\n`)
      return
    }
    if (event.type !== 'unit') return
    const u = event.unit
    if (this.states.get(u.name) === u.state) return
    this.states.set(u.name, u.state)
    const base = {unit: u.name, ts: Date.now()}
    if (u.state === 'starting') this.line({event: 'starting', ...base, restarts: u.restarts})
    else if (u.state === 'ready') this.line({event: 'ready', ...base, pid: u.pid, port: u.port, readyMs: u.readyMs})
    else if (u.state === 'exited') this.line({event: 'exited', ...base, code: u.exitCode, signal: u.signal})
    else if (u.state === 'restarting')
      this.line({event: 'restarted', ...base, message: u.message, restarts: u.restarts})
    else if (u.state === 'failed') this.line({event: 'failed', ...base, message: u.message})
    else if (u.state === 'stopped') this.line({event: 'stopped', ...base})
  }

  line(value: Record<string, unknown>): void {
    this.write(`${JSON.stringify(value)}\n`)
  }
}

/** A blockSplitter per unit and stream: whole lines out, in blocks, whatever the chunking in. */
class LineSplitters {
  private readonly splitters = new Map<string, Splitter>()

  constructor(private readonly onBlock: (unit: string, stream: Stream, block: Buffer) => void) {}

  push(unit: string, stream: Stream, chunk: Buffer): void {
    const key = `${unit}\0${stream}`
    let s = this.splitters.get(key)
    if (s === undefined) {
      s = blockSplitter((block) => this.onBlock(unit, stream, block))
      this.splitters.set(key, s)
    }
    s.push(chunk)
  }

  end(): void {
    for (const s of this.splitters.values()) s.end()
  }
}

/** Each unit's launch and time to ready, relative to the session's start. */
export function timeline(units: UnitStatus[], sessionStartedAt: number): string {
  const width = Math.max(...units.map((u) => u.name.length), 4)
  const lines = units.map((u) => {
    const launched = u.startedAt !== undefined ? `+${formatDuration(u.startedAt - sessionStartedAt)}` : '—'
    const ready = u.readyMs !== undefined ? formatDuration(u.readyMs) : u.state
    const port = u.port !== undefined ? `  :${u.port}` : ''
    return `  ${u.name.padEnd(width)}  launched ${launched.padEnd(8)} ready in ${ready}${port}`
  })
  const ends = units.flatMap((u) => (u.readyAt !== undefined ? [u.readyAt] : []))
  const total = ends.length > 0 ? formatDuration(Math.max(...ends) - sessionStartedAt) : '—'
  return `start-up timeline (all ready in ${total}):\n${lines.join('\n')}\n`
}
