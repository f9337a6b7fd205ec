import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {Command, Flags} from '@oclif/core'
import chalk from 'chalk'
import {CONFIG_FILE} from '../config/load.js'
import {addToGitignore, writeFileAtomic} from '../util/fs.js'
import {packageRoot} from '../util/self.js'

export default class Init extends Command {
  static override summary =
    "Write a naaccord.config.yaml for this project (the depot's Django set-up, or the built-in servers)."
  static override description = `Templates:
  depot    the real NA-ACCORD depot: Docker MariaDB/Redis/MinIO/Flower, services and web as
           \`python manage.py runserver\` from the project's virtualenv, a celery worker and \`npm run dev\`.
  builtin  naaccord's own web and services servers: the whole streaming pipeline with only Node.
Never overwrites an existing config unless --force. Adds naaccord.local.yaml, .naaccord/ and storage/ to .gitignore.`
  static override examples = [
    '<%= config.bin %> init --template depot',
    '<%= config.bin %> init --template builtin --force',
  ]
  static override flags = {
    template: Flags.string({
      char: 't',
      options: ['depot', 'builtin'],
      default: 'depot',
      summary: 'Which set-up to write.',
    }),
    force: Flags.boolean({char: 'f', summary: 'Overwrite an existing naaccord.config.yaml.'}),
    dir: Flags.string({summary: 'Project folder to write into (default: the current folder).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Init)
    const dir = path.resolve(flags.dir ?? process.cwd())
    if (!existsSync(dir)) this.error(`--dir ${dir}: no such folder; create it first (mkdir -p ${dir})`, {exit: 1})
    const target = path.join(dir, CONFIG_FILE)
    if (existsSync(target) && !flags.force) {
      this.error(`${target} already exists; pass --force to overwrite it (the old one is not kept)`, {exit: 1})
    }
    const template = readFileSync(path.join(packageRoot, 'templates', `${flags.template}.config.yaml`), 'utf8')
    writeFileAtomic(target, template)
    const added = addToGitignore(dir, ['naaccord.local.yaml', '.naaccord/', 'storage/'])
    this.log(`${chalk.green('✓')} wrote ${path.relative(process.cwd(), target) || target} (template ${flags.template})`)
    if (added.length > 0) this.log(`${chalk.green('✓')} .gitignore: added ${added.join(', ')}`)
    this.log(`next: ${chalk.bold('naaccord doctor')}, then ${chalk.bold('naaccord start')}`)
  }
}
