import type {ProbeAttempt} from './types.js'

/** Command: ready when it exits 0 (run in the server's folder with its environment). */
export const execProbe: ProbeAttempt = async (probe, ctx, timeoutMs) => {
  // Loaded on first use: most sessions have no exec probe, and execa costs start-up time.
  const {execa} = await import('execa')
  const [file, ...args] = probe.exec!.command
  const result = await execa(file, args, {
    cwd: ctx.cwd,
    env: ctx.env,
    timeout: timeoutMs,
    reject: false,
    stdin: 'ignore',
    cancelSignal: ctx.signal,
    all: true,
  })
  if (result.exitCode === 0) return undefined
  const output =
    String(result.all ?? '')
      .trim()
      .split('\n')
      .pop() ?? ''
  if (result.timedOut) return `\`${probe.exec!.command.join(' ')}\` timed out after ${timeoutMs}ms`
  return `\`${probe.exec!.command.join(' ')}\` exited ${result.exitCode ?? result.signal}${output ? `: ${output}` : ''}`
}
