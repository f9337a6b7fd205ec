import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {STATE_DIR} from '../config/plan.js'
import {runDashboard} from '../dashboard/index.js'
import {findRunningSession} from '../session/client.js'

export default class Dashboard extends BaseCommand {
  static override summary = 'Open the terminal dashboard on the running session (processes, logs, waterfall).'
  static override description =
    `Attaches to the session started by \`naaccord start\` (in another terminal or with --detach)
through its control socket: a list of every process and dependency with state, pid, port, time to ready,
restarts and uptime; the selected process's log (or all of them merged) with search, filter and follow mode;
restart / stop / start keys; a start-up waterfall and stop countdowns. Press ? for every key.

d detaches and leaves the session running; q stops the session (asking once) and quits.`
  static override examples = ['<%= config.bin %> dashboard', '<%= config.bin %> dashboard --no-stop-on-quit']
  static override flags = {
    socket: Flags.string({summary: "The session's control socket (default: found from the project's .naaccord/)."}),
    'stop-on-quit': Flags.boolean({
      default: true,
      allowNo: true,
      summary: 'q stops the session after asking (--no-stop-on-quit: q only detaches).',
    }),
    scrollback: Flags.integer({summary: 'Scrollback kept per process, in MiB (the full history is in the log files).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Dashboard)
    let socketPath = flags.socket
    let stopTimeouts: Record<string, number> | undefined
    if (!socketPath) {
      const loaded = this.loadProjectConfig(flags.config)
      const stateDir = path.join(loaded.root, STATE_DIR)
      // Clears a stale session (dead supervisor) first, saying what it did.
      const found = await findRunningSession(stateDir, (line) => this.logToStderr(`naaccord: ${line}`))
      if (!found) {
        this.error(
          `no running session for ${loaded.file} (no control socket in ${stateDir}).\n` +
            'Start one with `naaccord start --detach` (or `naaccord start` in another terminal), then run `naaccord dashboard`.',
          {exit: 1},
        )
      }
      socketPath = found.socketPath
      stopTimeouts = {}
      for (const [name, server] of Object.entries(loaded.config.servers ?? {})) stopTimeouts[name] = server.stop.timeout
      for (const [name, dep] of Object.entries(loaded.config.dependencies ?? {})) stopTimeouts[name] = dep.stopTimeout
    }
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      this.error('the dashboard needs a terminal: use `naaccord status` or `naaccord logs` when piping.', {exit: 1})
    }
    const how = await runDashboard({
      socketPath,
      quitStopsSession: flags['stop-on-quit'],
      stopTimeouts,
      unitBytes: flags.scrollback ? flags.scrollback * 1024 * 1024 : undefined,
    })
    if (how === 'detached') this.log('naaccord: detached; the session keeps running (`naaccord dashboard` reattaches).')
    else if (how === 'quit') this.log('naaccord: the session has stopped.')
    else this.log('naaccord: the session ended.')
  }
}
