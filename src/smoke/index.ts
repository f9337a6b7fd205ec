/**
 * `naaccord test-streaming` as a library: resolve the targets (flags, running session, or a pair started for the
 * run), build the clients, watch web's folders, run the checks, stop what was started. The command only parses
 * flags and renders.
 */
import {tmpdir} from 'node:os'
import {ConfigError} from '../config/errors.js'
import {type LoadedConfig, loadConfig} from '../config/load.js'
import {buildPlan, type Plan} from '../config/plan.js'
import {readSession} from '../session/client.js'
import {parseSize} from '../util/duration.js'
import {selectChecks} from './checks/index.js'
import {servicesDiskRoots} from './checks/path-safety.js'
import {StorageClient} from './client.js'
import {assertSafePrefix, type RunReport, runChecks} from './runner.js'
import {startPair} from './start.js'
import {TargetError, type TargetFlags, type Targets, targetsFromFlags, targetsFromSession} from './target.js'
import type {CheckResult} from './types.js'
import {WebWatcher} from './watch.js'

export interface StreamingOptions extends TargetFlags {
  configPath?: string
  start?: boolean
  only?: string[]
  skip?: string[]
  size?: string
  timeoutMs?: number
  /** --strict: transient spooling by web fails web-stores-nothing. */
  strict?: boolean
  /** --watch-system-temp: also watch the system temp folder (where the depot's web stages chunked uploads). */
  watchSystemTemp?: boolean
  prefix?: string
  /** Receives each HTTP exchange (--verbose), key masked. */
  log?: (line: string) => void
  signal?: AbortSignal
  /** Called once the targets are known, before the first check. */
  onTargets?: (targets: Targets, prefixRoot: string) => void
  onResult?: (result: CheckResult) => void
}

export interface StreamingRun {
  targets: Targets
  report: RunReport
  /** --start: what the session's stop found still running or bound afterwards, one line each (normally none). */
  leftBehind: string[]
}

function loadOptional(opts: StreamingOptions): {loaded?: LoadedConfig; plan?: Plan} {
  const explicitUrls = opts.webUrl !== undefined || opts.servicesUrl !== undefined
  try {
    const loaded = loadConfig({configPath: opts.configPath})
    return {loaded, plan: buildPlan(loaded)}
  } catch (error) {
    // Testing a named remote pair needs no project; anything else does (or the config is broken: say so).
    if (error instanceof ConfigError && explicitUrls && !opts.configPath && !opts.start) return {}
    throw error
  }
}

export async function runStreamingTest(opts: StreamingOptions): Promise<StreamingRun> {
  const checks = selectChecks(opts.only, opts.skip)
  const {loaded, plan} = loadOptional(opts)
  const sizeText = opts.size ?? String(plan?.smoke.size ?? '64MiB')
  const size = parseSize(sizeText)
  if (size === undefined || size < 1)
    throw new TargetError(`--size ${sizeText}: expected a size such as 64MiB, 512KiB or 1000000`)
  const timeoutMs = opts.timeoutMs ?? plan?.smoke.timeout ?? 30_000
  const prefixRoot = (opts.prefix ?? plan?.smoke.prefix ?? 'naaccord-smoke').replace(/\/+$/, '')
  try {
    assertSafePrefix(`${prefixRoot}/run-id`)
  } catch {
    throw new TargetError(
      `smoke.prefix ${JSON.stringify(prefixRoot)} could resolve to a disk root: use a plain relative folder such as naaccord-smoke`,
    )
  }

  let stop: (() => Promise<string[]>) | undefined
  let targets: Targets
  if (opts.start) {
    if (opts.webUrl || opts.servicesUrl)
      throw new TargetError('--start starts the configured pair: leave out --web-url and --services-url')
    if (!loaded || !plan) throw new TargetError('--start needs a config (naaccord.config.yaml)')
    // A session already running is what the developer wants tested; starting a second one would only compete.
    const running = (await readSession(plan.stateDir)).state === 'running'
    if (running) targets = await targetsFromSession(opts, plan)
    else {
      const started = await startPair(loaded, opts, opts.signal)
      stop = started.stop
      targets = started.targets
    }
  } else {
    const fromFlags = targetsFromFlags(opts, plan)
    if (fromFlags) targets = fromFlags
    else if (plan) targets = await targetsFromSession(opts, plan)
    else throw new TargetError('no config and no --web-url/--services-url: nothing to test')
  }

  // Filled by the finally below, before the caller sees the run.
  const leftBehind: string[] = []
  try {
    if (!targets.apiKey)
      throw new TargetError(
        'no API key: pass --api-key or --api-key-file, set INTERNAL_API_KEY, or set apiKey in naaccord.config.yaml',
      )
    const watched = [...new Set([...targets.watch, ...(opts.watchSystemTemp ? [tmpdir()] : [])])]
    targets = {...targets, watch: watched}
    opts.onTargets?.(targets, prefixRoot)
    const client = (role: 'web' | 'services', url: string | undefined) =>
      url
        ? new StorageClient({
            role,
            baseUrl: url,
            apiKey: targets.apiKey,
            header: targets.header,
            tls: targets.tls,
            log: opts.log,
          })
        : undefined
    const report = await runChecks({
      checks,
      web: client('web', targets.web),
      services: client('services', targets.services),
      prefixRoot,
      size,
      timeoutMs,
      watcher: watched.length > 0 ? new WebWatcher(watched) : undefined,
      storageRoot: targets.storageRoot,
      // services runs here (its storage root is known): its NAS_*_PATH folders are where escapes would land.
      diskRoots: targets.storageRoot && plan ? servicesDiskRoots(plan) : undefined,
      strict: opts.strict,
      signal: opts.signal,
      onResult: opts.onResult,
    })
    return {targets, report, leftBehind}
  } finally {
    leftBehind.push(...((await stop?.()) ?? []))
  }
}

export {CHECKS, selectChecks} from './checks/index.js'
export {TargetError} from './target.js'
