import {Command, Flags} from '@oclif/core'
import {apiKeyFromEnv, startServicesServer, storageRootFromEnv} from '../../servers/builtin/index.js'
import {serveUntilSignalled} from '../../servers/builtin/run.js'
import {maskSecret} from '../../util/mask.js'

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
    if (process.env.SERVER_ROLE && process.env.SERVER_ROLE !== 'services') {
      this.warn(
        `SERVER_ROLE is ${JSON.stringify(process.env.SERVER_ROLE)} but this is the services server; serving as services`,
      )
    }
    const key = apiKeyFromEnv()
    if (!key.key) this.warn('no INTERNAL_API_KEY or INTERNAL_API_KEY_FILE: every internal call will be refused (403)')
    const storageRoot = storageRootFromEnv(flags.storage)
    const port = flags.port ?? (process.env.PORT ? Number(process.env.PORT) : 8001)
    let server: Awaited<ReturnType<typeof startServicesServer>>
    try {
      server = await startServicesServer({host: flags.host, port, storageRoot, apiKey: key.key})
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      this.error(
        e.code === 'EADDRINUSE'
          ? `port ${port} on ${flags.host} is already in use: stop what holds it (naaccord doctor names it) or pass --port`
          : `could not start the services server: ${e.message} (storage root ${storageRoot})`,
        {exit: 1},
      )
    }
    this.log(
      `services server listening on ${server.url} (storage ${storageRoot}, key ${maskSecret(key.key)} from ${key.source})`,
    )
    await serveUntilSignalled(server)
  }
}
