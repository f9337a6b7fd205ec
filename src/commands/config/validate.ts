import {Flags} from '@oclif/core'
import chalk from 'chalk'
import {BaseCommand} from '../../cli/base.js'
import {ConfigError} from '../../config/errors.js'

export default class ConfigValidate extends BaseCommand {
  static override summary =
    'Check the config; exit 0 when it is valid, or print every problem (file:line:col field: what) and exit 1.'
  static override examples = [
    '<%= config.bin %> config validate',
    '<%= config.bin %> config validate --config other.yaml --json',
  ]
  static override flags = {
    json: Flags.boolean({summary: 'Print {valid, issues:[{file,line,column,path,message}]}.'}),
    'no-local': Flags.boolean({summary: 'Ignore naaccord.local.yaml.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigValidate)
    try {
      const loaded = this.loadProjectConfig(flags.config, {noLocal: flags['no-local']})
      if (flags.json) this.log(JSON.stringify({valid: true, files: loaded.sources, issues: []}))
      else this.log(`${chalk.green('✓')} ${loaded.sources.join(' + ')} is valid`)
    } catch (error) {
      if (flags.json && error instanceof ConfigError) {
        this.log(JSON.stringify({valid: false, issues: error.issues}))
        this.exit(1)
      }
      throw error
    }
  }
}
