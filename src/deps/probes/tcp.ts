import {tcpConnect} from '../../util/ports.js'
import {type DepProbe, hostPortFor} from './types.js'

/** A TCP accept on the published port. With podman (no userland proxy) that means the server listens. */
export const tcpProbe: DepProbe = (probe, ctx, timeoutMs) => {
  const port = hostPortFor(ctx, probe.tcp?.port)
  const host = probe.tcp?.host ?? '127.0.0.1'
  if (!port) return Promise.resolve('no published port to probe (give tcp.port)')
  return tcpConnect(host, port, timeoutMs).then((r) =>
    r.ok
      ? undefined
      : r.timedOut
        ? `tcp ${host}:${port}: no answer within ${timeoutMs}ms`
        : `tcp ${host}:${port}: ${r.code}`,
  )
}
