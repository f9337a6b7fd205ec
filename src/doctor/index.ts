/**
 * Runs the doctor's checks in parallel, each with a time limit, and returns their results in registry order
 * (stable output however long each check takes). Checks that need the config are skipped when it did not load.
 */
import {checks as registry} from './checks/index.js'
import type {Check, CheckResult, DoctorContext} from './types.js'

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000

export interface DoctorReport {
  results: CheckResult[]
  summary: {checks: number; ok: number; warnings: number; errors: number; skipped: number}
  /** What --fix did, one line per repair. */
  fixed: string[]
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`}`)),
      ms,
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export async function runCheck(check: Check, ctx: DoctorContext): Promise<CheckResult[]> {
  if (check.needsConfig && !ctx.plan)
    return [{id: check.id, status: 'skip', message: `${check.title}: skipped (the config did not load)`}]
  try {
    const out = await withTimeout(
      check.run(ctx),
      check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
      `the ${check.title.toLowerCase()} check`,
    )
    return Array.isArray(out) ? out : [out]
  } catch (error) {
    return [{id: check.id, status: 'error', message: `${check.title}: ${(error as Error).message}`}]
  }
}

export async function runChecks(ctx: DoctorContext, checks: Check[] = registry): Promise<CheckResult[]> {
  const all = await Promise.all(checks.map((check) => runCheck(check, ctx)))
  return all.flat()
}

/** Applies every fixable finding's safe repair; returns what was done. */
export async function applyFixes(ctx: DoctorContext, results: CheckResult[], checks: Check[] = registry) {
  const done: string[] = []
  for (const check of checks) {
    const mine = results.filter((r) => r.id === check.id && r.fixable && r.status !== 'ok' && r.status !== 'skip')
    if (mine.length === 0 || !check.fix) continue
    try {
      done.push(...(await check.fix(ctx, mine)))
    } catch (error) {
      done.push(`could not fix ${check.id}: ${(error as Error).message}`)
    }
  }
  return done
}

export function summarize(results: CheckResult[]): DoctorReport['summary'] {
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length
  return {
    checks: results.length,
    ok: count('ok'),
    warnings: count('warn'),
    errors: count('error'),
    skipped: count('skip'),
  }
}

/**
 * The whole doctor: run the checks; with fix, repair what is safe and check again from a fresh context
 * (so the report shows the state after the repairs).
 */
export async function runDoctor(
  makeContext: () => DoctorContext,
  options: {fix?: boolean; checks?: Check[]} = {},
): Promise<DoctorReport> {
  const checks = options.checks ?? registry
  let ctx = makeContext()
  let results = await runChecks(ctx, checks)
  let fixed: string[] = []
  if (options.fix) {
    fixed = await applyFixes(ctx, results, checks)
    if (fixed.length > 0) {
      ctx = makeContext()
      results = await runChecks(ctx, checks)
    }
  }
  return {results, summary: summarize(results), fixed}
}
