import type {ProbeKind} from './types.js'

/** Command: ready when it exits 0 (a server's runs beside it, a container's inside it). */
export const exec: ProbeKind = {
  live: true,
  describe: (probe) => `exec ${probe.exec!.command.join(' ')}`,
  async attempt(probe, target, timeoutMs, signal) {
    const command = probe.exec!.command
    const r = await target.exec(command, timeoutMs, signal)
    if (r.exitCode === 0) return undefined
    if (r.timedOut) return `\`${command.join(' ')}\` timed out after ${timeoutMs}ms`
    const last = r.output.trim().split('\n').pop() ?? ''
    return `\`${command.join(' ')}\` exited ${r.exitCode ?? 'by a signal'}${last ? `: ${last}` : ''}`
  },
}
