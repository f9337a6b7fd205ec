import type {CheckResult, Finding} from '../types.js'

export interface Counts {
  passed: number
  failed: number
  skipped: number
  info: number
}

export function countResults(results: CheckResult[]): Counts {
  const n = (s: CheckResult['status']) => results.filter((r) => r.status === s).length
  return {passed: n('pass'), failed: n('fail'), skipped: n('skip'), info: n('info')}
}

/** The last line of every human report: exactly `N passed, N failed`, plus `, N skipped` when any were. */
export function summaryLine(results: CheckResult[]): string {
  const c = countResults(results)
  return `${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`
}

/** One line per depot finding, `SEVERITY id: what was seen (checks)`: the same words in the table, JUnit and logs. */
export function findingLines(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.id}: ${f.detail} (${f.checks.join(', ')})`)
}
