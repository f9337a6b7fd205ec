/**
 * `naaccord serve web|services`, in one place: what the oclif commands run, and what bin/run.js runs directly
 * when the supervisor spawns a built-in server. The direct path skips oclif's boot (about 0.3–0.5 s per server
 * on these machines), so the pair is ready sooner; both paths behave the same because both call serveRole().
 */
import {parseArgs} from 'node:util'
import {maskSecret} from '../util/mask.js'
import {apiKeyFromEnv, servicesUrlFromEnv, storageRootFromEnv} from './env.js'
import {serveUntilSignalled} from './run.js'
import {startServicesServer} from './services/server.js'
import {startWebServer} from './web/server.js'

export type Role = 'web' | 'services'

export interface ServeFlags {
  host: string
  port?: number
  storage?: string
  'services-url'?: string
}

export interface ServeIO {
  log(line: string): void
  warn(line: string): void
  /** Reports a fatal problem and ends the process with exit code 1 (never returns). */
  fail(line: string): never
}

export async function serveRole(role: Role, flags: ServeFlags, io: ServeIO): Promise<void> {
  if (process.env.SERVER_ROLE && process.env.SERVER_ROLE !== role) {
    io.warn(
      `SERVER_ROLE is ${JSON.stringify(process.env.SERVER_ROLE)} but this is the ${role} server; serving as ${role}`,
    )
  }
  const key = apiKeyFromEnv()
  if (!key.key) {
    io.warn(
      role === 'web'
        ? 'no INTERNAL_API_KEY or INTERNAL_API_KEY_FILE: services will refuse every relayed call (403)'
        : 'no INTERNAL_API_KEY or INTERNAL_API_KEY_FILE: every internal call will be refused (403)',
    )
  }
  const port = flags.port ?? (process.env.PORT ? Number(process.env.PORT) : role === 'web' ? 8000 : 8001)
  const inUse = `port ${port} on ${flags.host} is already in use: stop what holds it (naaccord doctor names it) or pass --port`
  if (role === 'services') {
    const storageRoot = storageRootFromEnv(flags.storage)
    let server: Awaited<ReturnType<typeof startServicesServer>>
    try {
      server = await startServicesServer({host: flags.host, port, storageRoot, apiKey: key.key})
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      io.fail(
        e.code === 'EADDRINUSE'
          ? inUse
          : `could not start the services server: ${e.message} (storage root ${storageRoot})`,
      )
    }
    io.log(
      `services server listening on ${server.url} (storage ${storageRoot}, key ${maskSecret(key.key)} from ${key.source})`,
    )
    await serveUntilSignalled(server)
    return
  }
  let servicesUrl: string
  try {
    servicesUrl = servicesUrlFromEnv(flags['services-url'])
  } catch (error) {
    io.fail(`${(error as Error).message}: set SERVICES_URL or pass --services-url`)
  }
  let server: Awaited<ReturnType<typeof startWebServer>>
  try {
    server = await startWebServer({host: flags.host, port, servicesUrl, apiKey: key.key})
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    io.fail(e.code === 'EADDRINUSE' ? inUse : `could not start the web server: ${e.message}`)
  }
  io.log(
    `web server listening on ${server.url} (services ${servicesUrl}, key ${maskSecret(key.key)} from ${key.source})`,
  )
  await serveUntilSignalled(server)
}

/**
 * The direct path from bin/run.js: `serve <role> [--host H] [--port N] [--storage DIR] [--services-url URL]`.
 * Returns false (and does nothing) for anything it does not handle — help, unknown flags — so oclif answers those.
 */
export async function serveFromArgv(argv: string[]): Promise<boolean> {
  const [command, role, ...rest] = argv
  if (command !== 'serve' || (role !== 'web' && role !== 'services')) return false
  let values: Record<string, string | boolean | undefined>
  try {
    ;({values} = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        host: {type: 'string'},
        port: {type: 'string'},
        storage: {type: 'string'},
        'services-url': {type: 'string'},
      },
    }))
  } catch {
    return false // let oclif explain the bad flag, with its help
  }
  if (role === 'web' && values.storage !== undefined) return false
  if (role === 'services' && values['services-url'] !== undefined) return false
  let port: number | undefined
  if (values.port !== undefined) {
    port = /^\d+$/.test(String(values.port)) ? Number(values.port) : Number.NaN
    if (!Number.isInteger(port) || port > 65535) return false
  }
  const io: ServeIO = {
    log: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(` ›   Warning: ${line}\n`),
    fail: (line) => {
      process.stderr.write(` ›   Error: ${line}\n`)
      process.exit(1)
    },
  }
  await serveRole(
    role,
    {
      host: String(values.host ?? '127.0.0.1'),
      port,
      storage: values.storage as string | undefined,
      'services-url': values['services-url'] as string | undefined,
    },
    io,
  )
  return true
}
