/**
 * How `naaccord start` shows a session without the dashboard: docker-compose-like prefixed lines coloured per
 * unit, system lines about state changes, JSON lines for CI, and a start-up timeline.
 *
 * Under a log flood these run once per line of every unit, so they keep per-line work to a concatenation: each
 * unit's coloured prefix (and each unit's JSON head) is made once, and the text goes out through a TurnWriter,
 * one write per turn of the event loop (as the control socket's NDJSON does) instead of one syscall per line.
 */
import chalk, {type ChalkInstance} from 'chalk'
import {formatDuration} from '../util/duration.js'
import type {SessionEvent, UnitStatus} from './protocol.js'

const COLOURS: ChalkInstance[] = [chalk.cyan, chalk.yellow, chalk.green, chalk.magenta, chalk.blue, chalk.red]

export type Write = (text: string) => void

/** Whether to colour: NO_COLOR (any non-empty value, https://no-color.org) wins over chalk's own detection. */
export function colourWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && chalk.level > 0
}

/** Turns chalk off for the whole process when NO_COLOR says so (every command's entry calls it). */
export function applyNoColor(env: NodeJS.ProcessEnv = process.env): void {
  if (!colourWanted(env)) chalk.level = 0
}

/**
 * Collects text and hands it to `sink` once per turn of the event loop (on setImmediate), or at once when it
 * holds `maxBytes`: many lines in one turn become one write, whole lines in their order. `flush()` writes what
 * is held now (call it before exiting).
 */
export class TurnWriter {
  private held = ''
  private pending: NodeJS.Immediate | undefined

  constructor(
    private readonly sink: Write,
    private readonly maxBytes = 1 << 20,
  ) {}

  readonly write = (text: string): void => {
    this.held += text
    if (this.held.length >= this.maxBytes) this.flush()
    else this.pending ??= setImmediate(this.flush)
  }

  readonly flush = (): void => {
    if (this.pending) {
      clearImmediate(this.pending)
      this.pending = undefined
    }
    if (this.held === '') return
    const text = this.held
    this.held = ''
    this.sink(text)
  }
}

/** Prefixed, coloured (unless `colour` is false), one line per line. */
export class PrefixedPrinter {
  private readonly width: number
  private readonly colour = new Map<string, ChalkInstance>()
  /** Each unit's finished prefix, coloured, made on first use. */
  private readonly prefixes = new Map<string, string>()
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

  constructor(private readonly write: Write) {}

  event(event: SessionEvent): void {
    if (event.type === 'log') {
      // The same text as line({event: 'log', unit, stream, line, ts}), with the head made once per unit and stream.
      const {unit, stream, line, ts} = event.log
      const key = `${unit}\0${stream}`
      let head = this.heads.get(key)
      if (head === undefined) {
        head = `{"event":"log","unit":${JSON.stringify(unit)},"stream":${JSON.stringify(stream)},"line":`
        this.heads.set(key, head)
      }
      this.write(`${head}${JSON.stringify(line)},"ts":${ts}}\n`)
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
