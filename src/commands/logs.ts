import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {Args} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {FLAGS} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {CommandError, logsSince, NoSession, runLogs, UsageError} from '../cli/session-commands.js'
import {STATE_DIR} from '../config/plan.js'
import {PrefixedPrinter} from '../session/output.js'
import {sessionPaths} from '../session/protocol.js'

export default class Logs extends BaseCommand {
  static override summary = "Show the session's log lines, prefixed per unit; -f follows."
  static override description =
    `From the running session (its recent lines, then live ones with -f); with no session running,
from the log files in .naaccord/logs/ (those have no timestamps, so --since needs a running session).`
  static override examples = [
    '<%= config.bin %> logs',
    '<%= config.bin %> logs web -f',
    '<%= config.bin %> logs services --tail 50 --since 5m',
  ]
  static override strict = false
  static override args = {name: Args.string({description: 'Units to show (default: all).'})}
  static override flags = oclifFlags(FLAGS.logs)

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Logs)
    const names = (argv as string[]).filter(Boolean)
    const loaded = this.loadProjectConfig(flags.config)
    const target = {stateDir: path.join(loaded.root, STATE_DIR), configFile: loaded.file, hasDependencies: false}
    const known = [...Object.keys(loaded.config.dependencies), ...Object.keys(loaded.config.servers)]
    await this.runShared(async () => {
      logsSince(flags.since)
      const unknown = names.filter((n) => !known.includes(n) && n !== 'supervisor')
      if (unknown.length > 0) throw new UsageError(`no unit named ${unknown.join(', ')} (have: ${known.join(', ')})`)
      // The supervisor's own log (the detached supervisor's output) is only ever a file.
      if (names.length !== 1 || names[0] !== 'supervisor') {
        try {
          return await runLogs(target, names, flags)
        } catch (error) {
          if (!(error instanceof NoSession)) throw error
          if (flags.follow) throw new CommandError(`no session is running for ${loaded.file}: nothing to follow`, 3)
        }
      }
      this.fromFiles(target.stateDir, names, known, flags)
      return 0
    })
  }

  /** With no session running: the last lines of the log files (no timestamps, so --since cannot apply). */
  private fromFiles(stateDir: string, names: string[], known: string[], flags: {tail: number; json?: boolean}): void {
    const printer = new PrefixedPrinter(known, (t) => process.stdout.write(t))
    const dir = sessionPaths(stateDir).logs
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')) : []
    for (const file of files) {
      const unit = file.slice(0, -4)
      if (names.length > 0 ? !names.includes(unit) : unit === 'supervisor') continue
      const lines = readFileSync(path.join(dir, file), 'utf8').split('\n')
      if (lines.at(-1) === '') lines.pop()
      for (const line of lines.slice(-flags.tail)) {
        if (flags.json) this.log(JSON.stringify({unit, stream: 'stdout', line}))
        else printer.event({type: 'log', log: {unit, stream: 'stdout', line, ts: 0}})
      }
    }
  }
}
