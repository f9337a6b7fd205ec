import path from 'node:path'
import {Args} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {FLAGS} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {STATE_DIR} from '../config/plan.js'
import {findRunningSession, getStatus, unitAction} from '../session/client.js'

export default class Restart extends BaseCommand {
  static override summary = 'Restart one unit of the running session (stop its process group, launch it again).'
  static override examples = ['<%= config.bin %> restart web']
  static override args = {name: Args.string({required: true, description: 'The server or dependency to restart.'})}
  static override flags = oclifFlags(FLAGS.restart)

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Restart)
    const loaded = this.loadProjectConfig(flags.config)
    const found = await findRunningSession(path.join(loaded.root, STATE_DIR), (n) => this.log(`naaccord: ${n}`))
    if (!found) this.error(`no session is running for ${loaded.file} (\`naaccord start\` starts one)`, {exit: 3})
    const result = await unitAction(found.socketPath, args.name, 'restart')
    if (!result.ok) this.error(`restart ${args.name}: ${result.error}`, {exit: 1})
    let unit = (await getStatus(found.socketPath)).units.find((u) => u.name === args.name)
    const deadline = Date.now() + 120_000
    while (
      flags.wait &&
      unit &&
      !['ready', 'failed', 'exited', 'stopped'].includes(unit.state) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50))
      unit = (await getStatus(found.socketPath)).units.find((u) => u.name === args.name)
    }
    if (flags.json) this.log(JSON.stringify(unit, null, 2))
    else if (unit?.state === 'ready')
      this.log(`naaccord: ${args.name} restarted (pid ${unit.pid}), ready in ${unit.readyMs}ms`)
    else this.log(`naaccord: ${args.name} restarted; now ${unit?.state}${unit?.message ? `: ${unit.message}` : ''}`)
    if (unit && ['failed', 'exited'].includes(unit.state)) this.exit(1)
  }
}
