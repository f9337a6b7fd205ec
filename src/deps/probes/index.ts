/** The registry of a dependency's ready probe kinds: one module per kind. */
import type {ProbeConfig} from '../../config/schema.js'
import {execProbe} from './exec.js'
import {httpProbe} from './http.js'
import {logProbe} from './log.js'
import {tcpProbe} from './tcp.js'
import type {DepProbe} from './types.js'

export type {DepProbe, DepProbeContext} from './types.js'

const probes: Record<'tcp' | 'http' | 'exec' | 'log', DepProbe> = {
  tcp: tcpProbe,
  http: httpProbe,
  exec: execProbe,
  log: logProbe,
}

export function probeFor(probe: ProbeConfig): DepProbe {
  const kind = (['tcp', 'http', 'exec', 'log'] as const).find((k) => probe[k] !== undefined)
  if (!kind) throw new Error('probe has no kind')
  return probes[kind]
}
