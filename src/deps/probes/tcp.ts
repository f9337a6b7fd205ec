import net from 'node:net'
import {type DepProbe, hostPortFor} from './types.js'

/** A TCP accept on the published port. With podman (no userland proxy) that means the server listens. */
export const tcpProbe: DepProbe = (probe, ctx, timeoutMs) => {
  const port = hostPortFor(ctx, probe.tcp?.port)
  const host = probe.tcp?.host ?? '127.0.0.1'
  if (!port) return Promise.resolve('no published port to probe (give tcp.port)')
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    const done = (reason: string | undefined) => {
      socket.destroy()
      resolve(reason)
    }
    socket.setTimeout(timeoutMs, () => done(`tcp ${host}:${port}: no answer within ${timeoutMs}ms`))
    socket.once('connect', () => done(undefined))
    socket.once('error', (e) => done(`tcp ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`))
  })
}
