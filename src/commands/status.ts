import path from 'node:path'
import {BaseCommand} from '../cli/base.js'
import {FLAGS} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {runStatus} from '../cli/session-commands.js'
import {STATE_DIR} from '../config/plan.js'

export default class Status extends BaseCommand {
  static override summary = "Show this project's session: each unit's state, pid, port, readiness, restarts and uptime."
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json']
  static override flags = oclifFlags(FLAGS.status)

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const loaded = this.loadProjectConfig(flags.config)
    const code = await runStatus(
      {stateDir: path.join(loaded.root, STATE_DIR), configFile: loaded.file, hasDependencies: false},
      flags,
    )
    if (code !== 0) this.exit(code)
  }
}
