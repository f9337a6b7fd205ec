import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {createContext} from '../doctor/context.js'
import {runDoctor} from '../doctor/index.js'
import {renderHuman, renderJson} from '../doctor/render.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Check everything the dev environment needs, say what is wrong and how to fix it.'
  static override description = `Checks, run in parallel and printed in a stable order:
- node: the Node version
- config: the config loads and validates (errors at file:line:col)
- dotenv: .env has every entry of .env.example
- engine: the container engine's endpoint, reachability and API version
- images: each enabled dependency's image is local (--online: pullable)
- session: no stale session (dead supervisor, leftover files, orphans)
- ports: each port is free or this session's; else who holds it, how to stop
- api-key: one key for both roles, 16+ chars, no dev default in production
- role-env: SERVICES_URL points at services; SERVER_ROLE set, lower case
- commands: each server's command is found and its folder exists
- django: the virtualenv and manage.py are in place
- storage: storage folders exist or can be made, are writable, have space
- services-health: services answers health with the key (session running)
- web-health: web reaches services, test_passed (session running)
- web-watch: web's watched folders are empty (session running)

One line per result: ✓ ok, ! warning, ✗ error, - skipped; the detail and the
exact fix command under it. Secrets are never printed whole.

--fix applies only safe fixes, says what it did, then checks again: it
creates missing storage folders, clears a stale session of this project
(stops its orphaned server groups, removes lock, state and socket; keeps the
logs) and appends missing .env entries from .env.example.

Exit code: 0 with no errors (warnings allowed), 1 with at least one error.`
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --fix',
    '<%= config.bin %> doctor --json',
    '<%= config.bin %> doctor --profile docker --online',
  ]
  static override flags = {
    json: Flags.boolean({summary: 'Print {ok, summary, fixed, checks:[{id, subject, status, message, fix}]}.'}),
    fix: Flags.boolean({summary: 'Apply the safe fixes, say what was done, then check again.'}),
    online: Flags.boolean({summary: 'Check that images missing locally can be pulled from their registry.'}),
    profile: Flags.string({
      char: 'p',
      multiple: true,
      summary: 'Check with these profiles active (as `start --profile`), e.g. docker.',
    }),
    verbose: Flags.boolean({char: 'v', summary: 'Show the detail of passing checks too.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor)
    const report = await runDoctor(
      () => createContext({configPath: flags.config, online: flags.online, profiles: flags.profile}),
      {fix: flags.fix},
    )
    this.log(flags.json ? renderJson(report) : renderHuman(report, {verbose: flags.verbose, fixRequested: flags.fix}))
    if (report.summary.errors > 0) this.exit(1)
  }
}
