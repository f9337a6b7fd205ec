/**
 * How `naaccord start` shows a session without the dashboard: docker-compose-like prefixed lines coloured per
 * unit, system lines about state changes, JSON lines for CI, and a start-up timeline.
 */
import chalk, {type ChalkInstance} from 'chalk'
import {formatDuration} from '../util/duration.js'
import type {SessionEvent, UnitStatus} from './protocol.js'

const COLOURS: ChalkInstance[] = [chalk.cyan, chalk.yellow, chalk.green, chalk.magenta, chalk.blue, chalk.red]

export type Write = (text: string) => void

/** Prefixed, coloured, one line per line. */
export class PrefixedPrinter {
  private readonly width: number
  private readonly colour = new Map<string, ChalkInstance>()
  private readonly last = new Map<string, string>()

  constructor(
    names: string[],
    private readonly write: Write,
  ) {
    this.width = Math.max(8, ...names.map((n) => n.length))
    for (const [i, n] of names.entries()) this.colour.set(n, COLOURS[i % COLOURS.length])
    this.colour.set('naaccord', chalk.gray)
  }

  private prefix(unit: string): string {
    const c = this.colour.get(unit) ?? chalk.white
    return c(`${unit.padEnd(this.width)} | `)
  }

  event(event: SessionEvent): void {
    if (event.type === 'log') {
      const {unit, stream, line} = event.log
      if (stream === 'system') this.write(`${this.prefix(unit)}${chalk.dim(`» ${line}`)}\n`)
      else this.write(`${this.prefix(unit)}${line}\n`)
    } else if (event.type === 'unit') {
      const {name, state, message} = event.unit
      const key = `${state}|${message ?? ''}`
      if (this.last.get(name) === key) return
      this.last.set(name, key)
      // Failures and waits are worth a line; starting/ready/stopped already come as system log lines.
      if (state === 'failed' && message) this.write(`${this.prefix(name)}${chalk.red(`✗ ${message}`)}\n`)
      else if (state === 'pending' && message) this.write(`${this.prefix(name)}${chalk.dim(`» ${message}`)}\n`)
    }
  }
}

/** JSON lines for CI: starting, ready, exited, restarted, stopped, failed (one object each), and log lines. */
export class JsonPrinter {
  private readonly states = new Map<string, string>()

  constructor(private readonly write: Write) {}

  event(event: SessionEvent): void {
    if (event.type === 'log') {
      this.line({event: 'log', unit: event.log.unit, stream: event.log.stream, line: event.log.line, ts: event.log.ts})
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
