/**
 * `naaccord start` in the foreground without the dashboard: the session runs in this process, its events are
 * printed (prefixed lines, or JSON lines with --json), Ctrl-C stops it (a second Ctrl-C forces), and it ends by
 * itself once nothing is left running. Units' output comes as bytes (the session's onOutput) and goes out as
 * bytes, prefixed; everything printed goes through one TurnWriter, so a log flood costs one write per turn of the
 * event loop and system lines keep their place among the units' lines.
 */
import type {Writable} from 'node:stream'
import type {Plan} from '../config/plan.js'
import {TurnWriter, writeParts} from '../util/turn-writer.js'
import {writeStartProblems} from './detach.js'
import {JsonPrinter, PrefixedPrinter, timeline} from './output.js'
import type {SessionEvent} from './protocol.js'
import type {Session} from './session.js'

const TERMINAL = new Set(['failed', 'exited', 'stopped'])

export interface ForegroundOptions {
  json: boolean
  /** Where output goes, once per turn of the event loop (default: stdout). */
  out?: Writable
}

/** Runs the session until it is stopped; resolves with the exit code (0: stopped cleanly on request). */
export async function runForeground(plan: Plan, options: ForegroundOptions): Promise<number> {
  const {json} = options
  const stream = options.out ?? process.stdout
  const out = new TurnWriter((parts) => writeParts(stream, parts))
  // Whatever is held when the process exits (an uncaught error, process.exit elsewhere) still goes out.
  process.once('exit', out.flush)
  const names = plan.units.map((u) => u.name)
  const jsonPrinter = json ? new JsonPrinter(out.write) : undefined
  const printer = jsonPrinter ?? new PrefixedPrinter(names, out.write)
  const say = (text: string, event: Record<string, unknown>) =>
    jsonPrinter ? jsonPrinter.line(event) : out.write(`naaccord: ${text}\n`)
  // Loaded here, not at the top: the detached paths that share this folder need none of it.
  const {SessionStartError, startSession} = await import('./session.js')
  let session: Session | undefined
  // When nothing is left running (every unit failed or ended), the session ends by itself.
  const endWhenIdle = (event: SessionEvent) => {
    if (event.type !== 'unit' || !session) return
    const status = session.status()
    if (status.units.every((u) => TERMINAL.has(u.state)) && status.state !== 'stopping') void session.stop()
  }
  try {
    session = await startSession(plan, {
      onEvent: (event: SessionEvent) => {
        printer.event(event)
        endWhenIdle(event)
      },
      onOutput: (unit, stream, block, ts) => printer.output(unit, stream, block, ts),
      onNotice: (line) => say(line, {event: 'notice', message: line}),
    })
  } catch (error) {
    if (!(error instanceof SessionStartError)) throw error
    out.flush()
    if (json) for (const p of error.problems) process.stdout.write(`${JSON.stringify({event: 'error', message: p})}\n`)
    else writeStartProblems(error.problems)
    process.removeListener('exit', out.flush)
    return 1
  }
  const running = session
  let interrupts = 0
  const onSignal = () => {
    interrupts++
    if (interrupts === 1) {
      if (!json) out.write('naaccord: stopping (Ctrl-C again to force)\n')
      void running.stop()
    } else {
      if (!json) out.write('naaccord: forcing: SIGKILL to every process group\n')
      running.forceKill()
    }
  }
  const onHangup = () => void running.stop()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onHangup)
  running.ready.then(
    () => {
      const status = running.status()
      if (jsonPrinter) jsonPrinter.line({event: 'up', ms: Date.now() - status.startedAt})
      else out.write(timeline(status.units, status.startedAt))
    },
    (error: Error) =>
      say(`not everything became ready: ${error.message}`, {event: 'not-ready', message: error.message}),
  )
  const report = await running.stopped
  process.removeListener('SIGINT', onSignal)
  process.removeListener('SIGTERM', onSignal)
  process.removeListener('SIGHUP', onHangup)
  printer.end()
  const failed = running.status().units.filter((u) => u.state === 'failed')
  for (const p of report.problems) out.write(`naaccord: left behind: ${p}\n`)
  if (jsonPrinter) jsonPrinter.line({event: 'down', clean: report.clean, ms: report.ms})
  else
    out.write(`naaccord: stopped in ${report.ms}ms${report.clean ? '; nothing left running, every port free' : ''}\n`)
  out.flush()
  process.removeListener('exit', out.flush)
  return !report.clean || (interrupts === 0 && failed.length > 0) ? 1 : 0
}
