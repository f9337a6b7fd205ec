import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {STATE_DIR} from '../config/plan.js'
import {stopSession} from '../session/client.js'
import {parseDuration} from '../util/duration.js'

export default class Stop extends BaseCommand {
  static override summary = "Stop this project's session from any terminal, leaving nothing running."
  static override description =
    `Asks the supervisor to stop every unit (its stop signal to the whole process group, in reverse
dependency order, SIGKILL after the timeout), waits for it, then checks that no process of the session is
alive (its process groups, and any process carrying the session's marker, a setsid grandchild included) and
that no port of the config is held by one; what had to be killed is named. A stale session (its supervisor was
killed, its state.json lost or corrupt) is cleared: orphans found by the marker and stopped, files removed.`
  static override examples = ['<%= config.bin %> stop', '<%= config.bin %> stop --timeout 2s']
  static override flags = {
    timeout: Flags.string({
      summary: "Per unit: time between the stop signal and SIGKILL (e.g. 2s). Default: each unit's stop.timeout.",
    }),
    json: Flags.boolean({summary: 'One JSON object: stopped, notices, problems, ms.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Stop)
    const loaded = this.loadProjectConfig(flags.config)
    let timeoutMs: number | undefined
    if (flags.timeout !== undefined) {
      timeoutMs = parseDuration(flags.timeout)
      if (timeoutMs === undefined)
        this.error(`--timeout: expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(flags.timeout)}`, {
          exit: 2,
        })
    }
    const ports = Object.values(loaded.config.servers).flatMap((s) => (s.port === undefined ? [] : [s.port]))
    const result = await stopSession(path.join(loaded.root, STATE_DIR), {timeoutMs, ports})
    // Docker dependencies (src/deps): containers of this project still running without a session (its supervisor
    // was killed) are stopped too, found by label. No engine reachable: nothing of ours can be running there.
    if (Object.keys(loaded.config.dependencies).length > 0) {
      const {stopLeftoverContainers} = await import('../deps/project.js')
      const names = await stopLeftoverContainers(loaded.config.project, timeoutMs)
      if (names.length > 0) {
        result.stopped = true
        result.notices.push(`stopped container${names.length > 1 ? 's' : ''} ${names.join(', ')}`)
      }
    }
    if (flags.json) {
      this.log(JSON.stringify(result))
    } else {
      for (const n of result.notices) this.log(`naaccord: ${n}`)
      for (const p of result.problems) this.logToStderr(`✗ left behind: ${p}`)
      if (!result.stopped && result.problems.length === 0)
        this.log(`naaccord: no session is running for ${loaded.file}`)
      else if (result.problems.length === 0) this.log(`naaccord: stopped in ${result.ms}ms; nothing left running`)
    }
    if (result.problems.length > 0) this.exit(1)
  }
}
