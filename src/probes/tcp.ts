import {tcpConnect} from '../util/ports.js'
import type {ProbeAttempt} from './types.js'

/** TCP: ready when host:port accepts a connection. */
export const tcpProbe: ProbeAttempt = async (probe, _ctx, timeoutMs) => {
  const {host, port} = probe.tcp!
  const r = await tcpConnect(host, port!, timeoutMs)
  if (r.ok) return undefined
  return r.timedOut ? `${host}:${port} did not accept within ${timeoutMs}ms` : `${host}:${port}: ${r.code}`
}
