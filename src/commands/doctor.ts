import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {createContext} from '../doctor/context.js'
import {runDoctor} from '../doctor/index.js'
import {renderHuman, renderJson} from '../doctor/render.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Check everything the dev environment needs, say what is wrong and how to fix it.'
  static override description =
    `Checks, in parallel: Node, the config, .env against its template, the container engine and
dependency images, a stale session, every configured port, the internal API key (set, shared, long enough,
not the dev default in production), the role environment (SERVICES_URL, SERVER_ROLE), server commands,
Django virtualenv and manage.py, storage folders and free space; and when a session runs: services health,
web→services health (test_passed) and that web's watched folders are empty.

One line per result: ✓ ok, ! warning, ✗ error (- skipped), with detail and the exact fix command.
Secrets are never printed whole.

--fix applies only safe fixes and says what it did: creates missing storage folders, clears a stale session
of this project (stops its orphaned server groups, removes lock/state/socket; logs are kept) and appends
missing .env entries from .env.example. Then it checks again.

Exit code: 0 when there are no errors (warnings allowed), 1 when there is at least one error.`
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
