/**
 * JUnit XML for CI: one testcase per check; failures carry expected/got; info and skips are marked as such. Depot
 * findings go in the suite's properties (`finding.<id>` = `SEVERITY: what was seen`) and its system-out.
 */
import type {RunReport} from '../runner.js'
import {countResults, findingLines} from './summary.js'

export function xmlEscape(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // XML 1.0 cannot carry most control characters, even escaped.
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '\uFFFD')
  )
}

export function toJunit(report: RunReport, suiteName = 'naaccord test-streaming'): string {
  const c = countResults(report.results)
  const secs = (ms: number) => (ms / 1000).toFixed(3)
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="naaccord.test-streaming" name="${xmlEscape(r.name)}" time="${secs(r.durationMs)}">`
    const inner: string[] = []
    if (r.status === 'fail') {
      const body = [r.detail, r.expected && `expected: ${r.expected}`, r.actual && `got: ${r.actual}`]
        .filter(Boolean)
        .join('\n')
      inner.push(`      <failure message="${xmlEscape(r.detail)}">${xmlEscape(body)}</failure>`)
    } else if (r.status === 'skip') inner.push(`      <skipped message="${xmlEscape(r.detail)}"/>`)
    inner.push(`      <system-out>${xmlEscape(`${r.status}: ${r.detail}`)}</system-out>`)
    return [open, ...inner, '    </testcase>'].join('\n')
  })
  if (!report.cleanup.ok) {
    cases.push(
      [
        `    <testcase classname="naaccord.test-streaming" name="cleanup" time="0">`,
        `      <failure message="${xmlEscape(`prefix not removed: ${report.cleanup.error ?? ''}`)}"/>`,
        '    </testcase>',
      ].join('\n'),
    )
  }
  const findingProps = report.findings.map(
    (f) => `<property name="finding.${xmlEscape(f.id)}" value="${xmlEscape(`${f.severity}: ${f.detail}`)}"/>`,
  )
  const findingsOut =
    report.findings.length > 0
      ? [`    <system-out>${xmlEscape(['depot findings:', ...findingLines(report.findings)].join('\n'))}</system-out>`]
      : []
  const failures = c.failed + (report.cleanup.ok ? 0 : 1)
  const tests = report.results.length + (report.cleanup.ok ? 0 : 1)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(suiteName)}" tests="${tests}" failures="${failures}" time="${secs(report.durationMs)}">`,
    `  <testsuite name="${xmlEscape(suiteName)}" tests="${tests}" failures="${failures}" skipped="${c.skipped}" errors="0" time="${secs(report.durationMs)}" timestamp="${new Date().toISOString()}">`,
    `    <properties><property name="runId" value="${xmlEscape(report.runId)}"/><property name="prefix" value="${xmlEscape(report.prefix)}"/>${findingProps.join('')}</properties>`,
    ...cases,
    ...findingsOut,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
