import {existsSync} from 'node:fs'
import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {buildPlan} from '../config/plan.js'
import {finishDetached, spawnSupervisor, writeStartProblems} from '../session/detach.js'
import {JsonPrinter, PrefixedPrinter, timeline} from '../session/output.js'
import type {SessionEvent} from '../session/protocol.js'
import type {Session} from '../session/session.js'
import {clearStaleSession, runningSessionProblem} from '../session/stale.js'
import type {SuperviseArgs} from '../session/supervise-main.js'

const TERMINAL = new Set(['failed', 'exited', 'stopped'])

export default class Start extends BaseCommand {
  static override summary = 'Start the servers (and enabled dependencies) in dependency order and supervise them.'
  static override description =
    `Starts each unit once its dependsOn conditions are met, waits for its readiness probe, restarts it
under its restart policy, and stops everything (whole process groups, reverse order) on Ctrl-C; a second
Ctrl-C forces. Ports are checked first: a port in use is named with the pid and command that hold it.

On a terminal the dashboard opens (--no-dashboard: prefixed output like docker compose). --detach returns
once everything is ready and leaves the supervisor running in the background (stop it with naaccord stop).
--json prints JSON lines (starting, ready, exited, restarted, failed, stopped, log) for CI.`
  static override examples = [
    '<%= config.bin %> start',
    '<%= config.bin %> start --detach',
    '<%= config.bin %> start --only services',
    '<%= config.bin %> start --profile docker --json',
  ]

  static override flags = {
    detach: Flags.boolean({
      char: 'd',
      summary: 'Return once everything is ready; the supervisor keeps running in the background.',
    }),
    only: Flags.string({
      summary: 'Start only these units (and what they depend on). Repeatable or comma-separated.',
      multiple: true,
    }),
    'no-deps': Flags.boolean({summary: 'With --only: do not start what they depend on.'}),
    profile: Flags.string({
      summary: 'Enable units of this profile (e.g. docker). Repeatable or comma-separated.',
      multiple: true,
    }),
    json: Flags.boolean({
      summary: 'JSON lines: one event per line (starting, ready, exited, restarted, failed, stopped, log).',
    }),
    dashboard: Flags.boolean({
      summary: 'Open the dashboard when on a terminal (--no-dashboard: prefixed output).',
      default: true,
      allowNo: true,
    }),
    supervise: Flags.boolean({hidden: true, summary: 'Internal: run as the detached supervisor.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Start)
    const loaded = this.loadProjectConfig(flags.config)
    const only = flags.only
      ?.flatMap((o) => o.split(','))
      .map((s) => s.trim())
      .filter(Boolean)
    const plan = buildPlan(loaded, {
      profiles: flags.profile ? flags.profile : undefined,
      only,
      noDeps: flags['no-deps'],
    })
    const passOn = {configFile: loaded.file, only, noDeps: flags['no-deps'], profiles: flags.profile}
    if (flags.supervise) return this.supervise(plan)
    const useDashboard =
      flags.dashboard && !flags.json && !flags.detach && process.stdout.isTTY === true && process.stdin.isTTY === true
    if (flags.detach || useDashboard) return this.detached(plan, passOn, flags.json, useDashboard)
    return this.foreground(plan, flags.json)
  }

  private out(text: string): void {
    process.stdout.write(text)
  }

  /** Runs the session in this process until it is stopped (the detached supervisor, --supervise). */
  private async supervise(plan: ReturnType<typeof buildPlan>): Promise<void> {
    const {reportToParent} = await import('../session/detach.js')
    const {SessionStartError, startSession} = await import('../session/session.js')
    let session: Session
    try {
      session = await startSession(plan, {onNotice: (line) => this.out(`naaccord: ${line}\n`)})
    } catch (error) {
      if (error instanceof SessionStartError) {
        reportToParent(error)
        this.out(`naaccord: ${error.message}\n`)
        this.exit(1)
      }
      throw error
    }
    const stopOn = (signal: NodeJS.Signals) => process.on(signal, () => void session.stop())
    stopOn('SIGTERM')
    stopOn('SIGINT')
    stopOn('SIGHUP')
    reportToParent(session)
    const report = await session.stopped
    for (const p of report.problems) this.out(`naaccord: left behind: ${p}\n`)
    this.exit(report.clean ? 0 : 1)
  }

  private async detached(
    plan: ReturnType<typeof buildPlan>,
    passOn: SuperviseArgs,
    json: boolean,
    dashboard: boolean,
  ): Promise<void> {
    const running = runningSessionProblem(plan.stateDir)
    if (running) this.fail([running])
    // A stale session is cleared here, so that its one-line notice reaches this terminal, not the supervisor's log.
    for (const line of await clearStaleSession(plan.stateDir)) this.out(`naaccord: ${line}\n`)
    const began = Date.now()
    const sup = spawnSupervisor(plan.stateDir, passOn)
    const message = await sup.next()
    if (message.type === 'listening' && dashboard) {
      sup.release()
      const entry = path.join(import.meta.dirname, '..', 'dashboard', 'index.js')
      if (existsSync(entry)) {
        const {runDashboard} = (await import('../dashboard/index.js')) as typeof import('../dashboard/index.js')
        const how = await runDashboard({socketPath: message.socketPath, quitStopsSession: true})
        if (how === 'detached') this.log('naaccord: detached; the session keeps running (`naaccord stop` stops it).')
        return
      }
    }
    const code = await finishDetached(sup, json, began, message)
    if (code !== 0) this.exit(code)
  }

  private async foreground(plan: ReturnType<typeof buildPlan>, json: boolean): Promise<void> {
    const names = plan.units.map((u) => u.name)
    const printer = json ? new JsonPrinter((t) => this.out(t)) : new PrefixedPrinter(names, (t) => this.out(t))
    const onEvent = (event: SessionEvent) => printer.event(event)
    // Loaded here, not at the top: `start --detach` needs none of it and its start-up counts.
    const {SessionStartError, startSession} = await import('../session/session.js')
    let session: Session
    try {
      session = await startSession(plan, {
        onEvent,
        onNotice: (line) =>
          json ? (printer as JsonPrinter).line({event: 'notice', message: line}) : this.out(`naaccord: ${line}\n`),
      })
    } catch (error) {
      if (error instanceof SessionStartError) this.fail(error.problems, json)
      throw error
    }
    let interrupts = 0
    const onSignal = () => {
      interrupts++
      if (interrupts === 1) {
        if (!json) this.out('naaccord: stopping (Ctrl-C again to force)\n')
        void session.stop()
      } else {
        if (!json) this.out('naaccord: forcing: SIGKILL to every process group\n')
        session.forceKill()
      }
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    process.on('SIGHUP', () => void session.stop())
    // When nothing is left running (every unit failed or ended), the session ends by itself.
    session.subscribe((event) => {
      if (event.type !== 'unit') return
      const units = session.status().units
      if (units.every((u) => TERMINAL.has(u.state)) && session.status().state !== 'stopping') void session.stop()
    })
    session.ready.then(
      () => {
        const status = session.status()
        if (json) (printer as JsonPrinter).line({event: 'up', ms: Date.now() - status.startedAt})
        else this.out(timeline(status.units, status.startedAt))
      },
      (error: Error) => {
        if (json) (printer as JsonPrinter).line({event: 'not-ready', message: error.message})
        else this.out(`naaccord: not everything became ready: ${error.message}\n`)
      },
    )
    const report = await session.stopped
    const failed = session.status().units.filter((u) => u.state === 'failed')
    for (const p of report.problems) this.out(`naaccord: left behind: ${p}\n`)
    if (json) (printer as JsonPrinter).line({event: 'down', clean: report.clean, ms: report.ms})
    else
      this.out(`naaccord: stopped in ${report.ms}ms${report.clean ? '; nothing left running, every port free' : ''}\n`)
    this.exit(!report.clean || (interrupts === 0 && failed.length > 0) ? 1 : 0)
  }

  private fail(problems: string[], json = false): never {
    if (json) for (const p of problems) this.out(`${JSON.stringify({event: 'error', message: p})}\n`)
    else writeStartProblems(problems)
    this.exit(1)
  }
}
