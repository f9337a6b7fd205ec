/**
 * config → plan: everything the supervisor needs, resolved once. Profiles and --only selection applied,
 * role environment composed (common → role → own → derived), placeholders in args and probes replaced,
 * relative paths made absolute, units ordered by their dependencies. Data flows one way from here:
 * plan → running session → views.
 */

import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {type PortSpec, parsePort} from '../deps/ports.js'
import {selfCommand} from '../util/self.js'
import {ConfigError, type ConfigIssue} from './errors.js'
import {STATE_DIR} from './find.js'
import type {LoadedConfig} from './load.js'
import {
  type ConditionName,
  type DependencyConfig,
  PROBE_KIND_NAMES,
  type ProbeConfig,
  type RestartConfig,
  type ServerConfig,
} from './schema.js'

export {STATE_DIR}

export interface PlanOptions {
  /**
   * --profile values as given (repeated and/or comma-separated); NAACCORD_PROFILES from `env` is added. Units
   * with profiles run only when one is active. Every command passes its flags here unsplit: see activeProfiles.
   */
  profiles?: string[]
  /** Where NAACCORD_PROFILES is read (default process.env). */
  env?: NodeJS.ProcessEnv
  /** --only: just these units, plus what they depend on unless noDeps. */
  only?: string[]
  noDeps?: boolean
  /** Port per server name, replacing the configured one (test-streaming --start picks free ports). */
  ports?: Record<string, number>
}

export interface ApiKeyPlan {
  value: string | undefined
  /** Absolute path when the key comes from a file. */
  file?: string
  source: 'config' | 'file' | 'none'
}

export interface PlannedServer {
  kind: 'server'
  name: string
  role?: 'web' | 'services'
  /** Program to execute (absolute for `naaccord`) and its full argument list. */
  command: string
  args: string[]
  /** The command as written in the config, for messages. */
  commandText: string
  cwd: string
  /** Config-composed environment; the supervisor lays it over the inherited process environment. */
  env: Record<string, string>
  host: string
  port?: number
  /** http://host:port when the server has a port. */
  url?: string
  ready?: ProbeConfig
  startTimeout: number
  dependsOn: Record<string, ConditionName>
  restart: RestartConfig
  stopSignal: NodeJS.Signals
  stopTimeout: number
  /**
   * Absolute folders this server must never write to (web stores nothing): its `watch`, and for the web role the
   * folder Django spools uploads to (`FILE_UPLOAD_TEMP_DIR` of its env) when one is set.
   */
  watch: string[]
}

/** A dependency fully resolved: its ports parsed, its probe's placeholders filled. */
export interface PlannedDependency {
  kind: 'dependency'
  name: string
  /** `<project>-<name>`. */
  containerName: string
  image: string
  pull: DependencyConfig['pull']
  ports: PortSpec[]
  env: Record<string, string>
  /** As written (`name:/path` or `/host/path:/path[:ro]`); src/deps/spec.ts resolves them against project and root. */
  volumes: string[]
  command?: string[]
  healthcheck?: DependencyConfig['healthcheck']
  /**
   * Filled like a server's: `{port}` is its first container port and `{host}` 127.0.0.1; a tcp probe without a
   * port probes that port. A container port is reached at its published host port when probed (probes/index.ts).
   */
  ready?: ProbeConfig
  dependsOn: Record<string, ConditionName>
  startTimeout: number
  stopTimeout: number
}

export type PlannedUnit = PlannedServer | PlannedDependency

export interface Plan {
  project: string
  root: string
  configFile: string
  stateDir: string
  storageRoot: string
  apiKey: ApiKeyPlan
  /** Units in start order (each after everything it depends on). */
  units: PlannedUnit[]
  /** Units left out by profiles or --only, with the reason, for status and doctor. */
  skipped: {name: string; reason: string}[]
  /** Notes worth one line at start (e.g. a dependsOn on a unit whose profile is off). */
  notices: string[]
  smoke: LoadedConfig['config']['smoke']
}

export function resolveApiKey(loaded: LoadedConfig): ApiKeyPlan {
  const key = loaded.config.apiKey
  if (!key) return {value: undefined, source: 'none'}
  if (key.file) {
    const file = path.resolve(loaded.root, key.file)
    // The depot's rule: the key file wins when it exists.
    if (existsSync(file)) return {value: readFileSync(file, 'utf8').trim(), file, source: 'file'}
    return {value: key.value, file, source: key.value !== undefined ? 'config' : 'none'}
  }
  return {value: key.value, source: 'config'}
}

/** Splits a command string the way a shell would for simple cases: whitespace, single and double quotes. */
export function splitCommand(text: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote: string | undefined
  let started = false
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined
      else cur += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      started = true
    } else if (/\s/.test(ch)) {
      if (started || cur) out.push(cur)
      cur = ''
      started = false
    } else cur += ch
  }
  if (started || cur) out.push(cur)
  return out
}

function fill(text: string, values: Record<string, string | undefined>): string {
  return text.replace(/\{(port|host|url|storage|apiKey|name|root)\}/g, (match, key: string) => values[key] ?? match)
}

/** Fills placeholders in every string of the probe's settings, whatever its kind; a tcp probe's port defaults to `{port}`. */
function fillProbe(
  probe: ProbeConfig | undefined,
  values: Record<string, string | undefined>,
): ProbeConfig | undefined {
  if (!probe) return undefined
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return fill(value, values)
    if (Array.isArray(value)) return value.map(deep)
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'json' ? v : deep(v)]))
    return value
  }
  const out: ProbeConfig = {...probe}
  for (const kind of PROBE_KIND_NAMES) if (probe[kind]) (out as Record<string, unknown>)[kind] = deep(probe[kind])
  if (out.tcp && out.tcp.port === undefined && values.port !== undefined)
    out.tcp = {...out.tcp, port: Number(values.port)}
  return out
}

function isEnabled(profiles: string[], active: Set<string>): boolean {
  return profiles.length === 0 || profiles.some((p) => active.has(p))
}

/** The one place profiles are split: `--profile a,b --profile c` and NAACCORD_PROFILES=d,e → a, b, c, d, e. */
export function activeProfiles(fromFlags: string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.NAACCORD_PROFILES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return [
    ...new Set([
      ...fromFlags
        .flatMap((p) => p.split(','))
        .map((s) => s.trim())
        .filter(Boolean),
      ...fromEnv,
    ]),
  ]
}

export function buildPlan(loaded: LoadedConfig, options: PlanOptions = {}): Plan {
  const {config, root} = loaded
  const active = new Set(activeProfiles(options.profiles, options.env))
  const issues: ConfigIssue[] = []
  const notices: string[] = []
  const skipped: Plan['skipped'] = []
  const apiKey = resolveApiKey(loaded)
  const storageRoot = path.resolve(root, config.storage)

  // 1. Which units are enabled by profile.
  const all = new Map<string, {dependsOn: Record<string, ConditionName>; profiles: string[]}>()
  for (const [name, d] of Object.entries(config.dependencies)) all.set(name, d)
  for (const [name, s] of Object.entries(config.servers)) all.set(name, s)
  const enabled = new Set<string>()
  for (const [name, unit] of all) {
    if (isEnabled(unit.profiles, active)) enabled.add(name)
    else
      skipped.push({
        name,
        reason: `profile ${unit.profiles.join('/')} is off (enable with --profile ${unit.profiles[0]})`,
      })
  }

  // 2. --only: the named units and, unless --no-deps, everything they need.
  let selected = enabled
  if (options.only && options.only.length > 0) {
    selected = new Set()
    const add = (name: string) => {
      if (selected.has(name) || !enabled.has(name)) return
      selected.add(name)
      if (!options.noDeps) for (const dep of Object.keys(all.get(name)?.dependsOn ?? {})) add(dep)
    }
    for (const name of options.only) {
      if (!all.has(name))
        issues.push({
          file: loaded.file,
          path: '',
          message: `--only ${name}: no server or dependency of that name (have: ${[...all.keys()].join(', ')})`,
        })
      else if (!enabled.has(name))
        issues.push({
          file: loaded.file,
          path: '',
          message: `--only ${name}: its profile is off (add --profile ${all.get(name)?.profiles[0]})`,
        })
      else add(name)
    }
    for (const name of enabled) if (!selected.has(name)) skipped.push({name, reason: 'not selected by --only'})
  }
  if (issues.length > 0) throw new ConfigError(issues)

  const keep = (dependsOn: Record<string, ConditionName>, name: string) =>
    Object.fromEntries(
      Object.entries(dependsOn).filter(([target]) => {
        if (selected.has(target)) return true
        if (!enabled.has(target))
          notices.push(
            `${name} depends on ${target}, which is not enabled (${skipped.find((s) => s.name === target)?.reason ?? 'off'}); starting without it`,
          )
        return false
      }),
    )

  // 3. Role environment.
  const servicesEntry = Object.entries(config.servers).find(([, s]) => s.role === 'services')
  const servicesPort = servicesEntry ? (options.ports?.[servicesEntry[0]] ?? servicesEntry[1].port) : undefined
  const servicesUrl =
    servicesEntry && servicesPort ? `http://${urlHost(servicesEntry[1].host)}:${servicesPort}` : undefined
  const self = selfCommand()

  const units: PlannedUnit[] = []
  for (const [name, dep] of Object.entries(config.dependencies)) {
    if (!selected.has(name)) continue
    const ports: PortSpec[] = []
    for (const [i, mapping] of dep.ports.entries()) {
      try {
        ports.push(parsePort(mapping))
      } catch (error) {
        issues.push({file: loaded.file, path: `dependencies.${name}.ports[${i}]`, message: (error as Error).message})
      }
    }
    const first = ports[0]?.containerPort
    units.push({
      kind: 'dependency',
      name,
      containerName: `${config.project}-${name}`,
      image: dep.image,
      pull: dep.pull,
      ports,
      env: dep.env,
      volumes: dep.volumes,
      command: dep.command,
      healthcheck: dep.healthcheck,
      ready: fillProbe(dep.ready, {
        port: first === undefined ? undefined : String(first),
        host: '127.0.0.1',
        url: first === undefined ? undefined : `http://127.0.0.1:${first}`,
        storage: storageRoot,
        apiKey: apiKey.value,
        name,
      }),
      dependsOn: keep(dep.dependsOn, name),
      startTimeout: dep.startTimeout,
      stopTimeout: dep.stopTimeout,
    })
  }
  for (const [name, server] of Object.entries(config.servers)) {
    if (!selected.has(name)) continue
    units.push(planServer(name, server))
  }
  if (issues.length > 0) throw new ConfigError(issues)

  function planServer(name: string, server: ServerConfig): PlannedServer {
    const port = options.ports?.[name] ?? server.port
    const cwd = path.resolve(root, server.cwd ?? '.')
    const words = typeof server.command === 'string' ? splitCommand(server.command) : [...server.command]
    const values = {
      port: port === undefined ? undefined : String(port),
      host: server.host,
      url: port === undefined ? undefined : `http://${urlHost(server.host)}:${port}`,
      storage: storageRoot,
      apiKey: apiKey.value,
      name,
      root,
    }
    let command = words[0]
    let args = [...words.slice(1), ...server.args].map((a) => fill(a, values))
    if (command === 'naaccord') {
      command = self.file
      args = [...self.args, ...args]
    } else if (command.includes('/') && !path.isAbsolute(command)) {
      command = path.resolve(cwd, command)
    }
    const env: Record<string, string> = {PYTHONUNBUFFERED: '1', FORCE_COLOR: '1', ...config.env}
    if (server.role) Object.assign(env, config.roles[server.role]?.env ?? {})
    Object.assign(env, server.env)
    // Placeholders in env values too: `NAS_UPLOADS_PATH: "{root}/storage/nas/uploads"` reaches the server absolute.
    for (const [k, v] of Object.entries(env)) env[k] = fill(v, values)
    if (server.role) {
      // Derived, never copied by hand: the role, the shared key, and for web where services listens.
      env.SERVER_ROLE = server.role
      if (apiKey.value !== undefined) env.INTERNAL_API_KEY = apiKey.value
      if (apiKey.file) env.INTERNAL_API_KEY_FILE = apiKey.file
      if (server.role === 'web' && servicesUrl) {
        env.SERVICES_URL = servicesUrl
        env.SERVICES_SERVER_URL = servicesUrl
      }
      if (server.role === 'services' && env.NAS_WORKSPACE_PATH === undefined) env.NAS_WORKSPACE_PATH = storageRoot
    }
    if (port !== undefined && env.PORT === undefined) env.PORT = String(port)
    return {
      kind: 'server',
      name,
      role: server.role,
      command,
      args,
      commandText: [...words, ...server.args].join(' '),
      cwd,
      env,
      host: server.host,
      port,
      url: values.url,
      ready: fillProbe(server.ready ?? defaultProbe(server, port), values),
      startTimeout: server.startTimeout,
      dependsOn: keep(server.dependsOn, name),
      restart: server.restart,
      stopSignal: server.stop.signal as NodeJS.Signals,
      stopTimeout: server.stop.timeout,
      watch: watchedFolders(
        server.role,
        server.watch.map((w) => path.resolve(cwd, fill(w, values))),
        env,
        cwd,
      ),
    }
  }

  return {
    project: config.project,
    root,
    configFile: loaded.file,
    stateDir: path.join(root, STATE_DIR),
    storageRoot,
    apiKey,
    units: orderUnits(units),
    skipped,
    notices: [...new Set(notices)],
    smoke: config.smoke,
  }
}

/** A server with a port and no probe is ready when its port accepts a connection. */
function defaultProbe(server: ServerConfig, port: number | undefined): ProbeConfig | undefined {
  if (port === undefined) return undefined
  return {tcp: {host: server.host, port}, interval: 100, timeout: 1000, retries: 0, startPeriod: 0}
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** Topological order, stable with respect to the config's own order. Cycles were refused by the loader. */
export function orderUnits<T extends {name: string; dependsOn: Record<string, unknown>}>(units: T[]): T[] {
  const byName = new Map(units.map((u) => [u.name, u]))
  const done = new Set<string>()
  const out: T[] = []
  const visit = (unit: T) => {
    if (done.has(unit.name)) return
    done.add(unit.name)
    for (const dep of Object.keys(unit.dependsOn)) {
      const target = byName.get(dep)
      if (target) visit(target)
    }
    out.push(unit)
  }
  for (const unit of units) visit(unit)
  return out
}

/** A web server's watched folders include its Django upload spool folder, so the smoke suite sees spooling there. */
export function watchedFolders(
  role: string | undefined,
  configured: string[],
  env: Record<string, string>,
  cwd: string,
): string[] {
  const spool = env.FILE_UPLOAD_TEMP_DIR
  if (role !== 'web' || !spool) return configured
  const folder = path.resolve(cwd, spool)
  return configured.includes(folder) ? configured : [...configured, folder]
}
