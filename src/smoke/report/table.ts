/**
 * Human output: on a TTY a table (✓ / ✗ / ! / - per check, durations, detail), otherwise plain lines that grep and
 * CI logs read well; failures add what was expected and what came back. Both end with the summary line.
 */
import chalk from 'chalk'
import {formatDuration} from '../../util/duration.js'
import type {RunReport} from '../runner.js'
import type {CheckResult} from '../types.js'
import {findingLines, summaryLine} from './summary.js'

const MARK: Record<CheckResult['status'], string> = {pass: '✓', fail: '✗', info: '!', skip: '-'}

function colour(status: CheckResult['status'], text: string): string {
  if (status === 'pass') return chalk.green(text)
  if (status === 'fail') return chalk.red(text)
  if (status === 'info') return chalk.yellow(text)
  return chalk.dim(text)
}

/** One result as it finishes (live output). */
export function resultLine(r: CheckResult, tty: boolean, nameWidth = 20): string {
  const opt = r.required ? '' : ' (optional)'
  if (!tty)
    return `${MARK[r.status]} ${r.status.toUpperCase()} ${r.name} ${formatDuration(r.durationMs)}: ${r.detail}${opt}`
  const name = r.name.padEnd(nameWidth)
  const time = formatDuration(r.durationMs).padStart(7)
  return `${colour(r.status, MARK[r.status])} ${name} ${chalk.dim(time)}  ${r.detail}${chalk.dim(opt)}`
}

function failureLines(r: CheckResult): string[] {
  const lines: string[] = []
  if (r.expected !== undefined) lines.push(`    expected: ${r.expected}`)
  if (r.actual !== undefined) lines.push(`    got:      ${r.actual}`)
  return lines
}

const FROM: Record<string, string> = {
  flags: 'the servers named on the command line',
  session: "the running session's servers",
  started: 'a pair started for this run (stopped at the end)',
}

export function renderHeader(target: {
  web?: string
  services?: string
  prefix: string
  key: string
  from?: string
}): string[] {
  return [
    ...(target.from ? [`testing ${FROM[target.from] ?? target.from}`] : []),
    `web ${target.web ?? '(none)'}  services ${target.services ?? '(none)'}  key ${target.key}`,
    `test files under ${target.prefix}/`,
  ]
}

/** The full report after the run (live lines already printed are not repeated unless `withResults`). */
export function renderTable(report: RunReport, tty: boolean, withResults = true): string[] {
  const width = Math.max(20, ...report.results.map((r) => r.name.length))
  const lines: string[] = []
  if (withResults) {
    for (const r of report.results) {
      lines.push(resultLine(r, tty, width))
      if (r.status === 'fail') lines.push(...failureLines(r))
    }
  } else {
    const failed = report.results.filter((r) => r.status === 'fail')
    for (const r of failed) {
      lines.push(tty ? chalk.red(`✗ ${r.name}: ${r.detail}`) : `✗ ${r.name}: ${r.detail}`)
      lines.push(...failureLines(r))
    }
  }
  if (report.findings.length > 0) {
    const title = 'depot findings (deviations from the contract seen on working servers; they do not fail the run):'
    lines.push(tty ? chalk.bold(title) : title)
    const text = findingLines(report.findings)
    report.findings.forEach((f, i) => {
      const line = `  ${text[i]}`
      lines.push(tty ? (f.severity === 'WARN' ? chalk.yellow(line) : chalk.cyan(line)) : line)
    })
  }
  if (report.interrupted) lines.push('interrupted: the remaining checks did not run')
  lines.push(
    report.cleanup.ok
      ? `cleanup: removed ${report.prefix}/ via ${report.cleanup.via} (${report.cleanup.deleted ?? '?'} file(s))`
      : `cleanup FAILED for ${report.prefix}/: ${report.cleanup.error} (remove it with delete_prefix)`,
  )
  const summary = summaryLine(report.results)
  lines.push(tty ? chalk.bold(report.ok ? chalk.green(summary) : chalk.red(summary)) : summary)
  return lines
}
