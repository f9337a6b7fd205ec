import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {STATE_DIR} from '../config/plan.js'
import {connectEngine} from '../deps/engine.js'
import {removeProjectContainers} from '../deps/project.js'
import {stopSession} from '../session/client.js'
import {parseDuration} from '../util/duration.js'

export default class Down extends BaseCommand {
  static override summary = "Stop the session and remove this project's containers (--volumes: its volumes too)."
  static override description =
    `Stops the running session (as naaccord stop does), then removes every container labelled as this
project's, running or not, found by label (never by name alone). Named volumes keep their data unless
--volumes is given. Works without a session, e.g. after the supervisor was killed.`
  static override examples = ['<%= config.bin %> down', '<%= config.bin %> down --volumes']
  static override flags = {
    volumes: Flags.boolean({summary: "Also remove this project's named volumes (their data is lost)."}),
    timeout: Flags.string({summary: 'Grace period before a container is killed (e.g. 2s). Default 10s.'}),
    json: Flags.boolean({summary: 'One JSON object: session, containers, volumes, notices, problems, engine.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Down)
    const loaded = this.loadProjectConfig(flags.config)
    const project = loaded.config.project
    let timeoutMs = 10_000
    if (flags.timeout !== undefined) {
      const parsed = parseDuration(flags.timeout)
      if (parsed === undefined)
        this.error(`--timeout: expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(flags.timeout)}`, {
          exit: 2,
        })
      timeoutMs = parsed
    }
    const session = await stopSession(path.join(loaded.root, STATE_DIR), {
      timeoutMs: flags.timeout ? timeoutMs : undefined,
    })
    let engine: string | undefined
    let removed = {containers: [] as string[], volumes: [] as string[]}
    const problems = [...session.problems]
    try {
      const conn = await connectEngine()
      engine = conn.endpoint
      removed = await removeProjectContainers(conn.docker, project, {volumes: flags.volumes, timeoutMs})
    } catch (error) {
      // No engine and no dependency configured: nothing of ours can exist, so nothing to say.
      if (Object.keys(loaded.config.dependencies).length > 0) problems.push((error as Error).message)
    }
    if (flags.json) {
      this.log(JSON.stringify({session: session.stopped, ...removed, notices: session.notices, problems, engine}))
    } else {
      for (const n of session.notices) this.log(`naaccord: ${n}`)
      if (session.stopped) this.log(`naaccord: session stopped in ${session.ms}ms`)
      for (const name of removed.containers) this.log(`naaccord: removed container ${name}`)
      for (const name of removed.volumes) this.log(`naaccord: removed volume ${name}`)
      if (!session.stopped && removed.containers.length === 0 && removed.volumes.length === 0 && problems.length === 0)
        this.log(`naaccord: nothing of project ${project} to take down`)
      for (const p of problems) this.logToStderr(`✗ ${p}`)
    }
    if (problems.length > 0) this.exit(1)
  }
}
