import {tcpConnect} from '../util/ports.js'
import type {ProbeKind} from './types.js'

/** TCP: ready when host:port accepts a connection (a container's port is its published one). */
export const tcp: ProbeKind = {
  live: true,
  describe: (probe) => `tcp ${probe.tcp!.host}:${probe.tcp!.port}`,
  async attempt(probe, target, timeoutMs) {
    const {host, port} = probe.tcp!
    if (port === undefined) return 'no port to probe (give tcp.port)'
    const hostPort = target.hostPort(port)
    const r = await tcpConnect(host, hostPort, timeoutMs)
    if (r.ok) return undefined
    return r.timedOut ? `${host}:${hostPort} did not accept within ${timeoutMs}ms` : `${host}:${hostPort}: ${r.code}`
  },
}
