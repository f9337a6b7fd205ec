import type Docker from 'dockerode'
import type {ProbeConfig} from '../../config/schema.js'

/** What one attempt of a dependency's ready probe needs besides its own settings. */
export interface DepProbeContext {
  container: Docker.Container
  /** container port → published host port. */
  ports: Map<number, number>
  /** Lines of the current start only. */
  lines(): readonly {stream: 'stdout' | 'stderr'; line: string}[]
  signal: AbortSignal
}

/** One attempt: undefined when ready, otherwise a short reason shown while waiting and on giving up. */
export type DepProbe = (probe: ProbeConfig, ctx: DepProbeContext, timeoutMs: number) => Promise<string | undefined>

/** A probe port names the container's port when it is published, else a host port as given; none = first published. */
export function hostPortFor(ctx: DepProbeContext, port: number | undefined): number | undefined {
  if (port === undefined) return ctx.ports.values().next().value
  return ctx.ports.get(port) ?? port
}
