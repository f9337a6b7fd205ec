import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {Args} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {FLAGS} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {STATE_DIR} from '../config/plan.js'
import {findRunningSession, streamLogs} from '../session/client.js'
import {PrefixedPrinter} from '../session/output.js'
import {sessionPaths} from '../session/protocol.js'
import {parseDuration} from '../util/duration.js'

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
    const stateDir = path.join(loaded.root, STATE_DIR)
    let since: number | undefined
    if (flags.since) {
      const ms = parseDuration(flags.since)
      since = ms !== undefined ? Date.now() - ms : Date.parse(flags.since)
      if (Number.isNaN(since))
        this.error(`--since: expected a duration (5m) or an ISO time, got ${JSON.stringify(flags.since)}`, {exit: 2})
    }
    const known = [...Object.keys(loaded.config.dependencies), ...Object.keys(loaded.config.servers)]
    const unknown = names.filter((n) => !known.includes(n) && n !== 'supervisor')
    if (unknown.length > 0) this.error(`no unit named ${unknown.join(', ')} (have: ${known.join(', ')})`, {exit: 2})
    const printer = new PrefixedPrinter(known, (t) => process.stdout.write(t))
    const found = await findRunningSession(stateDir)
    // The supervisor's own log (the detached supervisor's output) is only ever a file.
    if (!found || (names.length === 1 && names[0] === 'supervisor')) {
      if (flags.follow && !found) this.error(`no session is running for ${loaded.file}: nothing to follow`, {exit: 3})
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
      return
    }
    const abort = new AbortController()
    process.once('SIGINT', () => abort.abort())
    await streamLogs(found.socketPath, {names, tail: flags.tail, follow: flags.follow, signal: abort.signal}, (log) => {
      if (since !== undefined && log.ts < since) return
      if (flags.json) process.stdout.write(`${JSON.stringify(log)}\n`)
      else printer.event({type: 'log', log})
    })
  }
}
