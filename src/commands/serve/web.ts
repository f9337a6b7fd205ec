import {Command, Flags} from '@oclif/core'
import {serveRole} from '../../builtin/serve-main.js'

export default class ServeWeb extends Command {
  static override summary =
    "Run the built-in web server in the foreground (streams uploads to services; the depot's port 8000 role)."
  static override description =
    'Serves the upload page at /, POST /upload, a public /health, and relays /internal/storage/* to services with the key. Stores nothing. Configured like the depot: SERVICES_URL (or SERVICES_SERVER_URL), INTERNAL_API_KEY or INTERNAL_API_KEY_FILE. Stops cleanly on SIGTERM/SIGINT.'
  static override examples = [
    'INTERNAL_API_KEY=dev-key SERVICES_URL=http://127.0.0.1:8001 <%= config.bin %> serve web --port 8000',
  ]
  static override flags = {
    host: Flags.string({summary: 'Address to listen on.', default: '127.0.0.1'}),
    port: Flags.integer({
      summary: 'Port to listen on (default: PORT, else 8000; 0 picks a free one).',
      min: 0,
      max: 65535,
    }),
    'services-url': Flags.string({
      summary: 'The services server (default: SERVICES_URL, SERVICES_SERVER_URL, else http://127.0.0.1:8001).',
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ServeWeb)
    await serveRole('web', flags, {
      log: (line) => this.log(line),
      warn: (line) => this.warn(line),
      fail: (line) => this.error(line, {exit: 1}),
    })
  }
}
