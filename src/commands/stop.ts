import path from 'node:path'
import {BaseCommand} from '../cli/base.js'
import {FLAGS} from '../cli/flags.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {runStop, UsageError} from '../cli/session-commands.js'
import {STATE_DIR} from '../config/plan.js'

export default class Stop extends BaseCommand {
  static override summary = "Stop this project's session from any terminal, leaving nothing running."
  static override description =
    `Asks the supervisor to stop every unit (its stop signal to the whole process group, in reverse
dependency order, SIGKILL after the timeout), waits for it, then checks that no process of the session is
alive (its process groups, and any process carrying the session's marker, a setsid grandchild included) and
that no port of the config is held by one; what had to be killed is named. A stale session (its supervisor was
killed, its state.json lost or corrupt) is cleared: orphans found by the marker and stopped, files removed.`
  static override examples = ['<%= config.bin %> stop', '<%= config.bin %> stop --timeout 2s']
  static override flags = oclifFlags(FLAGS.stop)

  async run(): Promise<void> {
    const {flags} = await this.parse(Stop)
    const loaded = this.loadProjectConfig(flags.config)
    const target = {
      stateDir: path.join(loaded.root, STATE_DIR),
      configFile: loaded.file,
      project: loaded.config.project,
      hasDependencies: Object.keys(loaded.config.dependencies).length > 0,
      ports: Object.values(loaded.config.servers).flatMap((s) => (s.port === undefined ? [] : [s.port])),
    }
    let code: number
    try {
      code = await runStop(target, flags)
    } catch (error) {
      if (error instanceof UsageError) this.error(error.message, {exit: error.exit})
      throw error
    }
    if (code !== 0) this.exit(code)
  }
}
