import path from 'node:path'
import {Args} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {FLAGS} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {STATE_DIR} from '../config/plan.js'
import {findRunningSession, getStatus, unitAction, waitForUnit} from '../session/client.js'
import type {UnitStatus} from '../session/protocol.js'

/** How long --wait waits for the unit to settle after its relaunch. */
const WAIT_MS = 120_000

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
    // Until it settles (ready, failed, exited, stopped), watched on the event stream rather than polled.
    let unit: UnitStatus | undefined
    try {
      unit = flags.wait
        ? await waitForUnit(found.socketPath, args.name, {deadline: Date.now() + WAIT_MS})
        : (await getStatus(found.socketPath)).units.find((u) => u.name === args.name)
    } catch (error) {
      this.error(`restart ${args.name}: ${(error as Error).message}`, {exit: 1})
    }
    if (flags.json) this.log(JSON.stringify(unit, null, 2))
    else if (unit?.state === 'ready')
      this.log(`naaccord: ${args.name} restarted (pid ${unit.pid}), ready in ${unit.readyMs}ms`)
    else this.log(`naaccord: ${args.name} restarted; now ${unit?.state}${unit?.message ? `: ${unit.message}` : ''}`)
    if (unit && ['failed', 'exited'].includes(unit.state)) this.exit(1)
  }
}
