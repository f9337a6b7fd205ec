import type {ExecResult, ProbeLine, ProbeTarget} from './types.js'

/** A server process as a probe target: its ports are host ports, its commands run beside it. */
export function serverTarget(server: {
  cwd: string
  env: Record<string, string>
  lines(): readonly ProbeLine[]
}): ProbeTarget {
  return {
    hostPort: (port) => port,
    lines: server.lines,
    async exec(command, timeoutMs, signal): Promise<ExecResult> {
      // Loaded on first use: most sessions have no exec probe, and execa costs start-up time.
      const {execa} = await import('execa')
      const [file, ...args] = command
      const r = await execa(file, args, {
        cwd: server.cwd,
        env: server.env,
        timeout: timeoutMs,
        reject: false,
        stdin: 'ignore',
        cancelSignal: signal,
        all: true,
      })
      // A command that could not run at all (not found) has no exit code: its reason is execa's message.
      const output = String(r.all ?? '') || (r.exitCode === undefined ? (r.shortMessage ?? '') : '')
      return {exitCode: r.exitCode ?? null, timedOut: r.timedOut, output: output.slice(-2000)}
    },
  }
}
