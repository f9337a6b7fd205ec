import {PassThrough} from 'node:stream'
import type {DepProbe} from './types.js'

/** Runs the command inside the container; exit 0 is ready. The last output line explains a failure. */
export const execProbe: DepProbe = async (probe, ctx, timeoutMs) => {
  const command = probe.exec?.command
  if (!command) return 'no exec probe'
  const exec = await ctx.container.exec({Cmd: command, AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: false})
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => {
    text = (text + c.toString('utf8')).slice(-2000)
  })
  ctx.container.modem.demuxStream(stream, out, out)
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', () => resolve())
  })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const result = await Promise.race([ended, timedOut])
  clearTimeout(timer)
  if (result === 'timeout') {
    stream.destroy()
    return `${command.join(' ')}: no exit within ${timeoutMs}ms`
  }
  const info = await exec.inspect()
  if (info.ExitCode === 0) return undefined
  const last = text.trim().split('\n').pop() ?? ''
  return `${command.join(' ')}: exit ${info.ExitCode}${last ? `: ${last}` : ''}`
}
