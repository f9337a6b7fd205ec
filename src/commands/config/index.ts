import {Flags} from '@oclif/core'
import {stringify} from 'yaml'
import {BaseCommand} from '../../cli/base.js'
import {maskedConfig} from '../../config/show.js'

export default class ConfigShow extends BaseCommand {
  static override summary =
    'Print the resolved config (after .env, interpolation and naaccord.local.yaml), secrets masked.'
  static override description =
    `Shows what naaccord will actually use: naaccord.config.yaml with naaccord.local.yaml merged over it,
every \${VAR} filled in from the environment and .env, and every default made explicit.
Secrets (the API key, env values named *KEY*, *PASSWORD*, *SECRET*, *TOKEN*) show their first 4 characters only.`
  static override examples = ['<%= config.bin %> config', '<%= config.bin %> config --json | jq .servers.web.port']
  static override flags = {
    json: Flags.boolean({summary: 'Print JSON instead of YAML.'}),
    'no-local': Flags.boolean({summary: 'Ignore naaccord.local.yaml.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigShow)
    const loaded = this.loadProjectConfig(flags.config, {noLocal: flags['no-local']})
    const shown = maskedConfig(loaded)
    if (flags.json) this.log(JSON.stringify({file: loaded.file, sources: loaded.sources, config: shown}, null, 2))
    else {
      this.log(`# ${loaded.sources.join(' + ')}`)
      this.log(stringify(shown, {lineWidth: 0}).trimEnd())
    }
  }
}
