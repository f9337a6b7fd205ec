/** The registry: every check, in the order they run. Names are what --only and --skip take. */
import type {Check} from '../types.js'
import {auth} from './auth.js'
import {chunked} from './chunked.js'
import {cleanupDryRun} from './cleanup-dry-run.js'
import {largeUpload} from './large-upload.js'
import {legacyHeader} from './legacy-header.js'
import {pathSafety} from './path-safety.js'
import {servicesHealth} from './services-health.js'
import {servicesRoundTrip} from './services-roundtrip.js'
import {webHealth} from './web-health.js'
import {webRoundTrip} from './web-roundtrip.js'
import {webStoresNothing} from './web-stores-nothing.js'

export const CHECKS: readonly Check[] = [
  servicesHealth,
  webHealth,
  auth,
  legacyHeader,
  servicesRoundTrip,
  webRoundTrip,
  chunked,
  largeUpload,
  webStoresNothing,
  pathSafety,
  cleanupDryRun,
]

/** The checks to run after --only / --skip; unknown names are an error naming the known ones. */
export function selectChecks(only: string[] = [], skip: string[] = []): Check[] {
  const names = new Set(CHECKS.map((c) => c.name))
  const unknown = [...only, ...skip].filter((n) => !names.has(n))
  if (unknown.length > 0)
    throw new Error(
      `unknown check ${unknown.map((n) => JSON.stringify(n)).join(', ')} (checks: ${[...names].join(', ')})`,
    )
  return CHECKS.filter((c) => (only.length === 0 || only.includes(c.name)) && !skip.includes(c.name))
}
