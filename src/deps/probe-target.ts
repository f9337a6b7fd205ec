import {PassThrough} from 'node:stream'
import type Docker from 'dockerode'
import type {ExecResult, ProbeLine, ProbeTarget} from '../probes/index.js'

/**
 * A container as a probe target: a port written in a probe is the container's own, reached at its published
 * host port (a port it does not publish is taken as a host port); commands run inside it through the engine.
 */
export function containerTarget(
  container: Docker.Container,
  ports: () => ReadonlyMap<number, number>,
  lines: () => readonly ProbeLine[],
): ProbeTarget {
  return {
    hostPort: (port) => ports().get(port) ?? port,
    lines,
    exec: (command, timeoutMs, signal) => execInContainer(container, command, timeoutMs, signal),
  }
}

/** Runs a command inside the container (as the engine runs a health check); its exit code and output's tail. */
export async function execInContainer(
  container: Docker.Container,
  command: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ExecResult> {
  const exec = await container.exec({Cmd: [...command], AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: false})
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => {
    text = (text + c.toString('utf8')).slice(-2000)
  })
  container.modem.demuxStream(stream, out, out)
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const result = await Promise.race([
    new Promise<'ended'>((resolve) => {
      stream.on('end', () => resolve('ended'))
      stream.on('close', () => resolve('ended'))
      stream.on('error', () => resolve('ended'))
    }),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
      onAbort = () => resolve('timeout')
      signal.addEventListener('abort', onAbort, {once: true})
    }),
  ])
  clearTimeout(timer)
  if (onAbort) signal.removeEventListener('abort', onAbort)
  if (result === 'timeout') {
    stream.destroy()
    return {exitCode: null, timedOut: !signal.aborted, output: text}
  }
  const info = await exec.inspect()
  return {exitCode: info.ExitCode ?? null, timedOut: false, output: text}
}
