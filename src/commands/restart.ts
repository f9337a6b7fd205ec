import path from 'node:path'
import {Args} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {FLAGS} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {runRestart} from '../cli/session-commands.js'
import {STATE_DIR} from '../config/plan.js'

export default class Restart extends BaseCommand {
  static override summary = 'Restart one unit of the running session (stop its process group, launch it again).'
  static override examples = ['<%= config.bin %> restart web']
  static override args = {name: Args.string({required: true, description: 'The server or dependency to restart.'})}
  static override flags = oclifFlags(FLAGS.restart)

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Restart)
    const loaded = this.loadProjectConfig(flags.config)
    const target = {stateDir: path.join(loaded.root, STATE_DIR), configFile: loaded.file, hasDependencies: false}
    await this.runShared(() => runRestart(target, args.name, flags))
  }
}
