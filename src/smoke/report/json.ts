import type {RunReport} from '../runner.js'
import {countResults} from './summary.js'

export interface JsonTargets {
  web?: string
  services?: string
  /** Masked. */
  key: string
  header: string
  /** flags, session, or started (--start). */
  from: string
  /** web's folders that were watched. */
  watch: string[]
}

/** The --json document: stable field names for CI and scripts. */
export function toJson(report: RunReport, targets: JsonTargets): Record<string, unknown> {
  return {
    ok: report.ok,
    runId: report.runId,
    prefix: `${report.prefix}/`,
    targets,
    durationMs: report.durationMs,
    interrupted: report.interrupted,
    summary: countResults(report.results),
    results: report.results,
    findings: report.findings,
    cleanup: report.cleanup,
  }
}
