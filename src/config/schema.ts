/**
 * The schema of naaccord.config.yaml. This file is the single source of truth for what a config may say:
 * the loader validates against it, the types below are inferred from it, and `naaccord config` documents it.
 *
 * Every object is `.strict()` so that an unknown key is an error (with a "did you mean" from the loader).
 */
import {z} from 'zod'
import {parseDuration} from '../util/duration.js'

/** A duration: a number of milliseconds, or a string such as "500ms", "2s", "1m", "1.5s". Parsed to ms. */
export const Duration = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value)
  if (ms === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(value)}`,
    })
    return z.NEVER
  }
  return ms
})

/** A TCP port. Strings of digits are accepted because env interpolation always yields strings. */
export const Port = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected a number from 1 to 65535, got ${JSON.stringify(value)}`,
    })
    return z.NEVER
  }
  return n
})

const EnvValue = z.union([z.string(), z.number(), z.boolean()]).transform(String)
/** Environment variables: values may be written as numbers or booleans in YAML; they are passed as strings. */
export const EnvMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name (letters, digits, _)'),
  EnvValue,
)

const Name = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'expected a lower-case name (a-z, 0-9, _ . -)')

const Signal = z.enum(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGKILL', 'SIGUSR1', 'SIGUSR2'])

/**
 * Timing fields shared by every readiness probe (process-compose's vocabulary). The meaning of each is given once,
 * in src/probes/index.ts, which applies them to servers and containers alike.
 */
const ProbeTiming = {
  interval: Duration.default(250),
  timeout: Duration.default(2000),
  /** Give up at the Nth failed attempt in a row after the start period (Docker's meaning). 0 = until startTimeout. */
  retries: z.number().int().nonnegative().default(0),
  /** Failures during this period after launch do not count against retries. */
  startPeriod: Duration.default(0),
}

export const HttpProbe = z
  .object({
    url: z.string(),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    status: z.union([z.number().int(), z.array(z.number().int())]).default(200),
    /** Fields that must be equal in the JSON body, e.g. {test_passed: true}. Dotted paths reach nested fields. */
    json: z.record(z.unknown()).optional(),
    headers: z.record(z.string()).default({}),
  })
  .strict()

export const TcpProbe = z.object({host: z.string().default('127.0.0.1'), port: Port.optional()}).strict()
export const LogProbe = z
  .object({pattern: z.string(), stream: z.enum(['stdout', 'stderr', 'any']).default('any')})
  .strict()
export const ExecProbe = z.object({command: z.array(z.string()).min(1)}).strict()

/** Every probe kind's settings, by kind name: the one schema entry a new kind adds (see src/probes/index.ts). */
const ProbeKindSettings = {http: HttpProbe, tcp: TcpProbe, log: LogProbe, exec: ExecProbe}
export type ProbeKindName = keyof typeof ProbeKindSettings
export const PROBE_KIND_NAMES = Object.keys(ProbeKindSettings) as ProbeKindName[]

function allOptional<T extends Record<string, z.ZodTypeAny>>(shape: T): {[K in keyof T]: z.ZodOptional<T[K]>} {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as never
}

/** A readiness probe: exactly one kind (http, tcp, log, exec) plus timing. */
export const Probe = z
  .object({
    ...allOptional(ProbeKindSettings),
    ...ProbeTiming,
  })
  .strict()
  .superRefine((probe, ctx) => {
    const kinds = PROBE_KIND_NAMES.filter((k) => probe[k] !== undefined)
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          kinds.length === 0
            ? `expected one probe kind: ${PROBE_KIND_NAMES.slice(0, -1).join(', ')} or ${PROBE_KIND_NAMES.at(-1)}`
            : `expected one probe kind, got ${kinds.join(' and ')}`,
      })
    }
  })

export const Condition = z.enum(['started', 'ready', 'healthy', 'completed'])
/** `dependsOn: {services: ready}` or `dependsOn: [services]` (condition `ready`) or `{services: {condition: ready}}`. */
export const DependsOn = z
  .union([z.array(Name), z.record(Name, z.union([Condition, z.object({condition: Condition}).strict()]))])
  .default({})
  .transform((value) => {
    const out: Record<string, z.infer<typeof Condition>> = {}
    if (Array.isArray(value)) for (const name of value) out[name] = 'ready'
    else for (const [name, c] of Object.entries(value)) out[name] = typeof c === 'string' ? c : c.condition
    return out
  })

/** Restart policy names (docker compose's); what each does is its row in src/supervisor/restart/policy.ts. */
export const RESTART_POLICY_NAMES = ['no', 'on-failure', 'always'] as const
export type RestartPolicyName = (typeof RESTART_POLICY_NAMES)[number]

export const RestartPolicy = z
  .union([
    z.enum(RESTART_POLICY_NAMES).transform((policy) => ({policy})),
    z
      .object({
        policy: z.enum(RESTART_POLICY_NAMES),
        /** Restarts allowed within `window` before the process is declared crash-looping. */
        maxRestarts: z.number().int().nonnegative().optional(),
        window: Duration.optional(),
        backoff: z.object({initial: Duration.optional(), max: Duration.optional()}).strict().optional(),
      })
      .strict(),
  ])
  .default('no')
  .transform((r) => ({
    policy: r.policy,
    maxRestarts: ('maxRestarts' in r ? r.maxRestarts : undefined) ?? 5,
    window: ('window' in r ? r.window : undefined) ?? 60_000,
    backoffInitial: ('backoff' in r ? r.backoff?.initial : undefined) ?? 500,
    backoffMax: ('backoff' in r ? r.backoff?.max : undefined) ?? 15_000,
  }))

const Command = z.union([z.string().min(1), z.array(z.string()).min(1)])
const Profiles = z.array(Name).default([])

export const Server = z
  .object({
    /** `web` and `services` get the depot's role environment; anything else (celery, assets) gets common env only. */
    role: z.enum(['web', 'services']).optional(),
    description: z.string().optional(),
    /** The program. `naaccord` means this naaccord itself (used for the built-in servers). */
    command: Command,
    /** Arguments; `{port}`, `{host}` and `{storage}` are replaced when the session is planned. */
    args: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
    cwd: z.string().optional(),
    env: EnvMap.default({}),
    host: z.string().default('127.0.0.1'),
    port: Port.optional(),
    ready: Probe.optional(),
    /** Give up waiting for readiness after this long. */
    startTimeout: Duration.default(60_000),
    dependsOn: DependsOn,
    restart: RestartPolicy,
    stop: z
      .object({signal: Signal.default('SIGTERM'), timeout: Duration.default(10_000)})
      .strict()
      .default({}),
    profiles: Profiles,
    /** Folders this server must never write to (web stores nothing); watched by test-streaming and doctor. */
    watch: z.array(z.string()).default([]),
  })
  .strict()

export const PortMapping = z.union([
  z.string(),
  z.number(),
  z
    .object({
      host: Port.optional(),
      container: Port,
      hostIp: z.string().default('127.0.0.1'),
      protocol: z.enum(['tcp', 'udp']).default('tcp'),
    })
    .strict(),
])

export const Dependency = z
  .object({
    image: z.string().min(1),
    description: z.string().optional(),
    pull: z.enum(['missing', 'always', 'never']).default('missing'),
    ports: z.array(PortMapping).default([]),
    env: EnvMap.default({}),
    /** `name:/path` (a named volume, labelled as this project's) or `/host/path:/path[:ro]`. */
    volumes: z.array(z.string()).default([]),
    command: z.array(z.string()).optional(),
    /** A health check set at create time (the container's own), as in docker compose. */
    healthcheck: z
      .object({
        test: z.union([z.string(), z.array(z.string())]),
        interval: Duration.default(5000),
        timeout: Duration.default(5000),
        retries: z.number().int().positive().default(3),
        startPeriod: Duration.default(0),
        /**
         * While the container is starting, naaccord also runs the test itself this often (0: leave it to the
         * engine), so that it is known healthy as soon as it is rather than at the engine's next interval.
         */
        startInterval: Duration.default(250),
      })
      .strict()
      .optional(),
    /** A probe from naaccord instead of (or besides) the container's health check; exec runs inside the container. */
    ready: Probe.optional(),
    startTimeout: Duration.default(120_000),
    stopTimeout: Duration.default(10_000),
    dependsOn: DependsOn,
    profiles: Profiles,
  })
  .strict()

export const ApiKey = z
  .union([
    z.string().transform((value) => ({value, file: undefined as string | undefined})),
    z
      .object({value: z.string().optional(), file: z.string().optional()})
      .strict()
      .refine((k) => k.value !== undefined || k.file !== undefined, 'expected value or file'),
  ])
  .optional()

export const Smoke = z
  .object({
    size: z.union([z.number().int().positive(), z.string()]).default('64MiB'),
    prefix: z.string().default('naaccord-smoke'),
    header: z.string().default('X-API-Key'),
    timeout: Duration.default(30_000),
  })
  .strict()
  .default({})

export const RoleEnv = z.object({env: EnvMap.default({})}).strict()

export const Config = z
  .object({
    /** Project name: names containers (`<project>-<dependency>`) and labels everything this project owns. */
    project: Name,
    /** The shared INTERNAL_API_KEY for web and services: a string, or {value} / {file}. */
    apiKey: ApiKey,
    /** The services role's storage root (seed layout: uploads/, processed/, temp/ below it). */
    storage: z.string().default('storage/workspace'),
    /** Env for every server. */
    env: EnvMap.default({}),
    /** Env per role, applied after the common env and before the server's own. */
    roles: z.object({web: RoleEnv.optional(), services: RoleEnv.optional()}).strict().default({}),
    dependencies: z.record(Name, Dependency).default({}),
    servers: z.record(Name, Server).default({}),
    smoke: Smoke,
  })
  .strict()

export type ConfigInput = z.input<typeof Config>
export type NaaccordConfig = z.output<typeof Config>
export type ServerConfig = z.output<typeof Server>
export type DependencyConfig = z.output<typeof Dependency>
export type ProbeConfig = z.output<typeof Probe>
export type ConditionName = z.output<typeof Condition>
export type RestartConfig = z.output<typeof RestartPolicy>
