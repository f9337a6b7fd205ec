/** The doctor's report for humans (one line per result, indented detail and fix) and for scripts (--json). */
import chalk from 'chalk'
import type {DoctorReport} from './index.js'
import type {CheckResult} from './types.js'

const MARK: Record<CheckResult['status'], () => string> = {
  ok: () => chalk.green('✓'),
  warn: () => chalk.yellow('!'),
  error: () => chalk.red('✗'),
  skip: () => chalk.dim('-'),
}

export function renderHuman(report: DoctorReport, options: {verbose?: boolean; fixRequested?: boolean} = {}): string {
  const lines: string[] = []
  if (options.fixRequested && report.fixed.length === 0)
    lines.push('--fix: nothing here can be fixed automatically', '')
  if (report.fixed.length > 0) {
    lines.push(chalk.bold('fixed:'))
    for (const f of report.fixed) lines.push(`  ${f}`)
    lines.push('')
  }
  for (const r of report.results) {
    const text = r.status === 'skip' ? chalk.dim(r.message) : r.message
    lines.push(`${MARK[r.status]()} ${text}`)
    // Detail matters when something is wrong; on success it is noise unless asked for.
    if (r.detail && (r.status === 'warn' || r.status === 'error' || options.verbose))
      for (const d of r.detail) lines.push(`    ${chalk.dim(d)}`)
    if (r.fix && r.status !== 'ok' && r.status !== 'skip') lines.push(`    fix: ${chalk.bold(r.fix)}`)
  }
  const s = report.summary
  const parts = [
    `${s.checks} checks: ${s.ok} ok`,
    `${s.warnings} warning${s.warnings === 1 ? '' : 's'}`,
    `${s.errors} error${s.errors === 1 ? '' : 's'}`,
  ]
  if (s.skipped > 0) parts.push(`${s.skipped} skipped`)
  lines.push('', parts.join(', '))
  return lines.join('\n')
}

export function renderJson(report: DoctorReport): string {
  return JSON.stringify(
    {
      ok: report.summary.errors === 0,
      summary: report.summary,
      fixed: report.fixed,
      checks: report.results.map((r) => ({
        id: r.id,
        ...(r.subject ? {subject: r.subject} : {}),
        status: r.status,
        message: r.message,
        fix: r.fix ?? null,
        ...(r.detail ? {detail: r.detail} : {}),
      })),
    },
    null,
    2,
  )
}
