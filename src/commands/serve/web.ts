import {Command, Flags} from '@oclif/core'
import {apiKeyFromEnv, servicesUrlFromEnv, startWebServer} from '../../servers/builtin/index.js'
import {serveUntilSignalled} from '../../servers/builtin/run.js'
import {maskSecret} from '../../util/mask.js'

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
    if (process.env.SERVER_ROLE && process.env.SERVER_ROLE !== 'web') {
      this.warn(`SERVER_ROLE is ${JSON.stringify(process.env.SERVER_ROLE)} but this is the web server; serving as web`)
    }
    const key = apiKeyFromEnv()
    if (!key.key)
      this.warn('no INTERNAL_API_KEY or INTERNAL_API_KEY_FILE: services will refuse every relayed call (403)')
    let servicesUrl: string
    try {
      servicesUrl = servicesUrlFromEnv(flags['services-url'])
    } catch (error) {
      this.error(`${(error as Error).message}: set SERVICES_URL or pass --services-url`, {exit: 1})
    }
    const port = flags.port ?? (process.env.PORT ? Number(process.env.PORT) : 8000)
    let server: Awaited<ReturnType<typeof startWebServer>>
    try {
      server = await startWebServer({host: flags.host, port, servicesUrl, apiKey: key.key})
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      this.error(
        e.code === 'EADDRINUSE'
          ? `port ${port} on ${flags.host} is already in use: stop what holds it (naaccord doctor names it) or pass --port`
          : `could not start the web server: ${e.message}`,
        {exit: 1},
      )
    }
    this.log(
      `web server listening on ${server.url} (services ${servicesUrl}, key ${maskSecret(key.key)} from ${key.source})`,
    )
    await serveUntilSignalled(server)
  }
}
