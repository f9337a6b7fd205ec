import net from 'node:net'
import type {ProbeAttempt} from './types.js'

/** TCP: ready when host:port accepts a connection. */
export const tcpProbe: ProbeAttempt = (probe, _ctx, timeoutMs) => {
  const {host, port} = probe.tcp!
  return new Promise((resolve) => {
    const socket = net.connect({host, port: port!})
    const finish = (reason: string | undefined) => {
      socket.destroy()
      resolve(reason)
    }
    socket.setTimeout(timeoutMs, () => finish(`${host}:${port} did not accept within ${timeoutMs}ms`))
    socket.once('connect', () => finish(undefined))
    socket.once('error', (error: NodeJS.ErrnoException) => finish(`${host}:${port}: ${error.code ?? error.message}`))
  })
}
