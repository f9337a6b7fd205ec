import {existsSync} from 'node:fs'
import path from 'node:path'
import {BaseCommand} from '../cli/base.js'
import {FLAGS, splitList} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {buildPlan} from '../config/plan.js'
import {finishDetached, spawnSupervisor, writeStartProblems} from '../session/detach.js'
import {runForeground} from '../session/foreground.js'
import {clearStaleSession, runningSessionProblem} from '../session/stale.js'

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
  static override flags = oclifFlags(FLAGS.start)

  async run(): Promise<void> {
    const {flags} = await this.parse(Start)
    const loaded = this.loadProjectConfig(flags.config)
    const only = splitList(flags.only)
    const plan = buildPlan(loaded, {profiles: flags.profile, only, noDeps: flags['no-deps']})
    // The dashboard's compiled entry is absent when running from sources: prefixed output instead.
    const dashboardEntry = path.join(import.meta.dirname, '..', 'dashboard', 'index.js')
    const useDashboard =
      flags.dashboard &&
      !flags.json &&
      !flags.detach &&
      process.stdout.isTTY === true &&
      process.stdin.isTTY === true &&
      existsSync(dashboardEntry)
    if (!flags.detach && !useDashboard) {
      const code = await runForeground(plan, {json: flags.json === true})
      this.exit(code)
    }
    const running = runningSessionProblem(plan.stateDir)
    if (running) {
      writeStartProblems([running])
      this.exit(1)
    }
    // A stale session is cleared here, so that its one-line notice reaches this terminal, not the supervisor's log.
    for (const line of await clearStaleSession(plan.stateDir)) this.log(`naaccord: ${line}`)
    const began = Date.now()
    const sup = spawnSupervisor(plan.stateDir, {configFile: loaded.file}, plan)
    const message = await sup.next()
    if (message.type === 'listening' && useDashboard) {
      sup.release()
      const {runDashboard} = await import('../dashboard/index.js')
      const how = await runDashboard({socketPath: message.socketPath, quitStopsSession: true})
      if (how === 'detached') this.log('naaccord: detached; the session keeps running (`naaccord stop` stops it).')
      return
    }
    const code = await finishDetached(sup, flags.json === true, began, message)
    if (code !== 0) this.exit(code)
  }
}
