/**
 * Runs the selected checks in registry order, each under its own time limit, and always removes the run's prefix
 * at the end: after the last check, after a failure, and when the run is interrupted (the caller aborts `signal`,
 * e.g. on SIGINT; the run then stops the current check and still cleans up before it returns).
 */
import {randomBytes} from 'node:crypto'
import {formatDuration} from '../util/duration.js'
import {type StorageClient, TransportError} from './client.js'
import {
  type Check,
  type CheckContext,
  CheckFailure,
  type CheckResult,
  CheckSkipped,
  type Finding,
  type FindingInput,
} from './types.js'
import type {WebWatcher} from './watch.js'

export interface RunOptions {
  checks: Check[]
  web?: StorageClient
  services?: StorageClient
  /** Top folder for test files, e.g. `naaccord-smoke`; the run adds `/<run-id>`. */
  prefixRoot: string
  size: number
  timeoutMs: number
  watcher?: WebWatcher
  storageRoot?: string
  /** services' disk folders on this machine (NAS_*_PATH), for path safety's landing check. */
  diskRoots?: string[]
  /** Transient writes by web fail web-stores-nothing (default: a WARN finding). */
  strict?: boolean
  /** Aborting it interrupts the run (cleanup still happens). */
  signal?: AbortSignal
  runId?: string
  /** Called as each check finishes (live output). */
  onResult?: (result: CheckResult) => void
}

export interface CleanupReport {
  ok: boolean
  /** Which server answered the delete_prefix. */
  via?: 'services' | 'web'
  deleted?: number
  error?: string
}

export interface RunReport {
  runId: string
  prefix: string
  results: CheckResult[]
  /** Deviations from the contract seen on servers that still work (never fail the run). */
  findings: Finding[]
  cleanup: CleanupReport
  interrupted: boolean
  /** Every required check passed, the prefix was removed, and the run was not interrupted. */
  ok: boolean
  durationMs: number
}

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')
  return `${t}-${randomBytes(4).toString('hex')}`
}

/**
 * A prefix that cannot resolve to a disk root: non-empty segments, none of them `.` or `..`, no absolute path,
 * no backslash or NUL. Everything the suite deletes goes through here.
 */
export function assertSafePrefix(prefix: string): void {
  const segments = prefix.replace(/\/+$/, '').split('/')
  const bad =
    prefix.startsWith('/') ||
    /[\\\0]/.test(prefix) ||
    segments.length < 2 ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  if (bad)
    throw new Error(`refusing to use ${JSON.stringify(prefix)} as the test prefix: it could resolve to a disk root`)
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

type ContextBase = Omit<CheckContext, 'signal' | 'finding'>

/** Findings by id, in the order first seen; a second sighting only adds its check's name. */
class FindingLog {
  private readonly byId = new Map<string, Finding>()
  add(check: string, f: FindingInput): void {
    const known = this.byId.get(f.id)
    if (!known) this.byId.set(f.id, {...f, checks: [check]})
    else if (!known.checks.includes(check)) known.checks.push(check)
  }
  list(): Finding[] {
    return [...this.byId.values()]
  }
}

async function runOne(check: Check, ctxBase: ContextBase, opts: RunOptions, log: FindingLog): Promise<CheckResult> {
  const base = {name: check.name, title: check.title, required: check.required}
  const finding = (f: FindingInput) => log.add(check.name, f)
  // A check that judges its own transfers (stall and rate limits) returns Infinity: no fixed limit then.
  const limit = check.timeoutMs?.({...ctxBase, finding} as CheckContext, opts.timeoutMs) ?? opts.timeoutMs
  const controller = new AbortController()
  const onOuterAbort = () => controller.abort(new Error('interrupted'))
  opts.signal?.addEventListener('abort', onOuterAbort, {once: true})
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (Number.isFinite(limit)) timer = setTimeout(() => resolve('timeout'), limit)
  })
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  try {
    const outcome = await Promise.race([check.run({...ctxBase, finding, signal: controller.signal}), timedOut])
    if (outcome === 'timeout') {
      controller.abort(new Error('timeout'))
      return {
        ...base,
        status: 'fail',
        durationMs: elapsed(),
        detail: `timed out after ${formatDuration(limit)}${check.timeoutHint ? `: ${check.timeoutHint}` : ''}`,
        expected: `an answer within ${formatDuration(limit)}`,
        actual: 'no answer (the check was stopped)',
      }
    }
    return {
      ...base,
      status: outcome.status ?? 'pass',
      durationMs: elapsed(),
      detail: outcome.detail,
      metrics: outcome.metrics,
    }
  } catch (error) {
    if (opts.signal?.aborted) return {...base, status: 'fail', durationMs: elapsed(), detail: 'interrupted'}
    if (error instanceof CheckSkipped) return {...base, status: 'skip', durationMs: elapsed(), detail: error.message}
    if (error instanceof CheckFailure)
      return {
        ...base,
        status: 'fail',
        durationMs: elapsed(),
        detail: error.message,
        expected: error.expected,
        actual: error.actual,
      }
    if (error instanceof TransportError) return {...base, status: 'fail', durationMs: elapsed(), detail: error.message}
    return {...base, status: 'fail', durationMs: elapsed(), detail: `unexpected error: ${errorText(error)}`}
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onOuterAbort)
    // A check that lost the race may still hold requests: stop them before the next check starts.
    controller.abort()
  }
}

/** delete_prefix on services (or through web when services is not reachable directly). */
export async function cleanupPrefix(
  prefix: string,
  clients: {services?: StorageClient; web?: StorageClient},
  timeoutMs = 15_000,
): Promise<CleanupReport> {
  const withSlash = `${prefix.replace(/\/+$/, '')}/`
  assertSafePrefix(withSlash)
  const errors: string[] = []
  for (const via of ['services', 'web'] as const) {
    const client = clients[via]
    if (!client) continue
    try {
      const res = await client.request('delete_prefix', {
        method: 'POST',
        json: {prefix: withSlash},
        signal: AbortSignal.timeout(timeoutMs),
      })
      const body = res.json as {success?: boolean; deleted_count?: number} | undefined
      if (res.status === 200 && body?.success === true) return {ok: true, via, deleted: body.deleted_count}
      errors.push(`${via}: ${res.status} ${res.text.slice(0, 200)}`)
    } catch (error) {
      errors.push(`${via}: ${errorText(error)}`)
    }
  }
  return {ok: false, error: errors.join('; ') || 'no server to ask'}
}

export async function runChecks(opts: RunOptions): Promise<RunReport> {
  const runId = opts.runId ?? newRunId()
  const prefix = `${opts.prefixRoot.replace(/\/+$/, '')}/${runId}`
  assertSafePrefix(prefix)
  const started = performance.now()
  const results: CheckResult[] = []
  const findings = new FindingLog()
  const ctxBase: ContextBase = {
    runId,
    prefix,
    web: opts.web,
    services: opts.services,
    size: opts.size,
    watcher: opts.watcher,
    storageRoot: opts.storageRoot,
    diskRoots: opts.diskRoots,
    stallMs: opts.timeoutMs,
    strict: opts.strict ?? false,
    selected: new Set(opts.checks.map((c) => c.name)),
  }
  let cleanup: CleanupReport = {ok: false, error: 'not run'}
  try {
    opts.watcher?.start()
    for (const check of opts.checks) {
      if (opts.signal?.aborted) break
      const result = await runOne(check, ctxBase, opts, findings)
      results.push(result)
      opts.onResult?.(result)
    }
  } finally {
    opts.watcher?.stop()
    cleanup = await cleanupPrefix(prefix, opts)
  }
  const interrupted = opts.signal?.aborted ?? false
  const ok = !interrupted && cleanup.ok && results.every((r) => !r.required || r.status !== 'fail')
  return {
    runId,
    prefix,
    results,
    findings: findings.list(),
    cleanup,
    interrupted,
    ok,
    durationMs: Math.round(performance.now() - started),
  }
}
