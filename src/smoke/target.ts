/**
 * Which pair to test, with which key: explicit flags, else the project's running session (URLs from its status,
 * the web server's watched folders, the storage root). The key: --api-key / --api-key-file, else the session's
 * own (the key its servers were given, from its control socket), else INTERNAL_API_KEY / the config.
 * Reads the session through the one control-socket client (session/client.ts).
 */
import {readFileSync} from 'node:fs'
import type {Plan, PlannedServer} from '../config/plan.js'
import {getApiKey, readSession} from '../session/client.js'
import {maskSecret} from '../util/mask.js'
import type {TlsOptions} from './client.js'

export interface TargetFlags {
  webUrl?: string
  servicesUrl?: string
  apiKey?: string
  apiKeyFile?: string
  header?: string
  ca?: string
  cert?: string
  key?: string
  insecure?: boolean
  watch?: string[]
}

export interface Targets {
  web?: string
  services?: string
  apiKey?: string
  /** Where the key came from, for the header line (never the key). */
  keySource: string
  /** One line when the caller's own environment resolves another key than the session's (both masked). */
  keyNotice?: string
  header: string
  tls?: TlsOptions
  /** Folders of the web server to watch (only when it runs on this machine). */
  watch: string[]
  /** services' storage root when it runs here. */
  storageRoot?: string
  from: 'flags' | 'session' | 'started'
}

/** A problem with the flags or the session, phrased as what to do. */
export class TargetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TargetError'
  }
}

function readPem(flag: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new TargetError(
      `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    )
  }
}

export function resolveKey(
  flags: TargetFlags,
  plan: Plan | undefined,
  env: NodeJS.ProcessEnv = process.env,
): {apiKey?: string; keySource: string} {
  if (flags.apiKey) return {apiKey: flags.apiKey, keySource: '--api-key'}
  if (flags.apiKeyFile) {
    let text: string
    try {
      text = readFileSync(flags.apiKeyFile, 'utf8').trim()
    } catch (error) {
      throw new TargetError(
        `--api-key-file ${flags.apiKeyFile}: cannot read it (${(error as NodeJS.ErrnoException).code})`,
      )
    }
    if (text === '')
      throw new TargetError(`--api-key-file ${flags.apiKeyFile} is empty: put the INTERNAL_API_KEY in it`)
    return {apiKey: text, keySource: `--api-key-file ${flags.apiKeyFile}`}
  }
  if (env.INTERNAL_API_KEY) return {apiKey: env.INTERNAL_API_KEY, keySource: 'INTERNAL_API_KEY'}
  if (plan?.apiKey.value)
    return {
      apiKey: plan.apiKey.value,
      keySource: plan.apiKey.source === 'file' ? `key file ${plan.apiKey.file}` : 'config',
    }
  return {keySource: 'none'}
}

/**
 * The key for a session's servers: a flag wins; otherwise the session's own key, which the caller's environment
 * may not know (a session started with INTERNAL_API_KEY set, tested from a shell without it). When the caller's
 * own resolution differs, `keyNotice` says so, both masked.
 */
export function sessionKey(
  flags: TargetFlags,
  sessionApiKey: string | undefined,
  plan: Plan | undefined,
  env: NodeJS.ProcessEnv = process.env,
): {apiKey?: string; keySource: string; keyNotice?: string} {
  const mine = resolveKey(flags, plan, env)
  if (flags.apiKey || flags.apiKeyFile || !sessionApiKey) return mine
  const keyNotice =
    mine.apiKey !== undefined && mine.apiKey !== sessionApiKey
      ? `note: your environment resolves key ${maskSecret(mine.apiKey)} (${mine.keySource}); testing with the session's ${maskSecret(sessionApiKey)}`
      : undefined
  return {apiKey: sessionApiKey, keySource: 'session', ...(keyNotice ? {keyNotice} : {})}
}

export function tlsFromFlags(flags: TargetFlags): TlsOptions | undefined {
  if (!flags.ca && !flags.cert && !flags.key && !flags.insecure) return undefined
  if ((flags.cert === undefined) !== (flags.key === undefined))
    throw new TargetError('mutual TLS needs both --cert and --key (the client certificate and its private key)')
  return {
    ca: readPem('--ca', flags.ca),
    cert: readPem('--cert', flags.cert),
    key: readPem('--key', flags.key),
    insecure: flags.insecure,
  }
}

function checkUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TargetError(`${flag} ${JSON.stringify(value)} is not a URL (expected e.g. http://127.0.0.1:8000)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TargetError(`${flag} ${value}: only http:// and https:// are supported`)
  return url.origin
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** The plan's server of that role when `url` is that server on this machine (same loopback port). */
function localServer(
  plan: Plan | undefined,
  role: 'web' | 'services',
  url: string | undefined,
): PlannedServer | undefined {
  if (!plan || !url) return undefined
  const u = new URL(url)
  if (!LOOPBACK.has(u.hostname)) return undefined
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80))
  return plan.units.find((x): x is PlannedServer => x.kind === 'server' && x.role === role && x.port === port)
}

/**
 * Targets from the flags alone, or undefined when no URL was given. A URL that is the config's own server on this
 * machine brings what the config knows about it: web's watched folders, services' storage root.
 */
export function targetsFromFlags(flags: TargetFlags, plan: Plan | undefined): Targets | undefined {
  const web = checkUrl('--web-url', flags.webUrl)
  const services = checkUrl('--services-url', flags.servicesUrl)
  if (!web && !services) return undefined
  return {
    web,
    services,
    ...resolveKey(flags, plan),
    header: flags.header ?? plan?.smoke.header ?? 'X-API-Key',
    tls: tlsFromFlags(flags),
    watch: flags.watch ?? localServer(plan, 'web', web)?.watch ?? [],
    storageRoot: localServer(plan, 'services', services) ? plan?.storageRoot : undefined,
    from: 'flags',
  }
}

/** Targets from the project's running session. */
export async function targetsFromSession(flags: TargetFlags, plan: Plan): Promise<Targets> {
  const info = await readSession(plan.stateDir)
  if (info.state !== 'running' || !info.status) {
    const why =
      info.state === 'stale'
        ? 'its last session ended without cleaning up (naaccord doctor --fix clears it)'
        : 'no session is running'
    throw new TargetError(
      `nothing to test for ${plan.configFile}: ${why}. Start the servers (naaccord start), or run \`naaccord test-streaming --start\` to start, test and stop them, or name a pair with --web-url and --services-url`,
    )
  }
  const units = info.status.units
  const web = units.find((u) => u.role === 'web')
  const services = units.find((u) => u.role === 'services')
  if (!web?.url && !services?.url)
    throw new TargetError(`the running session (${plan.configFile}) has no web or services server with a port`)
  const planWeb = plan.units.find((u) => u.kind === 'server' && u.role === 'web')
  const watch = flags.watch ?? info.status.watch ?? (planWeb?.kind === 'server' ? planWeb.watch : [])
  // A supervisor older than the key route, or one that does not answer: the caller's own resolution.
  const fromSession =
    flags.apiKey || flags.apiKeyFile ? undefined : await getApiKey(info.socketPath).catch(() => undefined)
  return {
    web: web?.url,
    services: services?.url,
    ...sessionKey(flags, fromSession?.apiKey, plan),
    header: flags.header ?? plan.smoke.header,
    tls: tlsFromFlags(flags),
    watch,
    storageRoot: plan.storageRoot,
    from: 'session',
  }
}

export function describeKey(t: Targets): string {
  return `${maskSecret(t.apiKey)} (${t.keySource})`
}
