import {Command, Flags} from '@oclif/core'
import {serveRole} from '../../builtin/serve-main.js'

export default class ServeServices extends Command {
  static override summary =
    "Run the built-in services server in the foreground (stores uploads; the depot's port 8001 role)."
  static override description =
    "Serves the depot's /internal/storage/* API over storage/workspace/ (uploads/, processed/, temp/). Configured like the depot: INTERNAL_API_KEY or INTERNAL_API_KEY_FILE, NAS_WORKSPACE_PATH for the storage root. Stops cleanly on SIGTERM/SIGINT."
  static override examples = [
    'INTERNAL_API_KEY=dev-key <%= config.bin %> serve services --port 8001 --storage storage/workspace',
  ]
  static override flags = {
    host: Flags.string({summary: 'Address to listen on.', default: '127.0.0.1'}),
    port: Flags.integer({
      summary: 'Port to listen on (default: PORT, else 8001; 0 picks a free one).',
      min: 0,
      max: 65535,
    }),
    storage: Flags.string({summary: 'Storage root (default: NAS_WORKSPACE_PATH, else storage/workspace).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ServeServices)
    await serveRole('services', flags, {
      log: (line) => this.log(line),
      warn: (line) => this.warn(line),
      fail: (line) => this.error(line, {exit: 1}),
    })
  }
}
