/**
 * Port mappings as written in the config → the engine's ExposedPorts/PortBindings. Published on 127.0.0.1
 * unless a host IP is given; a host port of 0 or none means "any free port" (read back from inspect).
 */
import type {DependencyConfig} from '../config/schema.js'

export interface PortSpec {
  hostIp: string
  /** '' = any free port. */
  hostPort: string
  containerPort: number
  protocol: 'tcp' | 'udp'
}

export const DEFAULT_HOST_IP = '127.0.0.1'

function parseString(text: string): PortSpec {
  let rest = text.trim()
  let protocol: 'tcp' | 'udp' = 'tcp'
  const slash = rest.lastIndexOf('/')
  if (slash >= 0) {
    const proto = rest.slice(slash + 1)
    if (proto !== 'tcp' && proto !== 'udp') throw new Error(`port "${text}": protocol must be tcp or udp`)
    protocol = proto
    rest = rest.slice(0, slash)
  }
  // IPv6 host IPs come in brackets: [::1]:5432:5432.
  let hostIp = DEFAULT_HOST_IP
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(rest)
  if (v6) {
    hostIp = v6[1]
    rest = v6[2]
  }
  const parts = rest.split(':')
  if (!v6 && parts.length === 3) hostIp = parts.shift() as string
  if (parts.length > 2 || parts.length === 0) throw new Error(`port "${text}": expected [ip:]host:container`)
  const container = Number(parts[parts.length - 1])
  const host = parts.length === 2 ? parts[0] : ''
  if (!Number.isInteger(container) || container < 1 || container > 65535)
    throw new Error(`port "${text}": container port must be 1-65535`)
  if (host !== '' && (!/^\d+$/.test(host) || Number(host) > 65535))
    throw new Error(`port "${text}": host port must be 0-65535 or empty`)
  return {hostIp, hostPort: host === '0' ? '' : host, containerPort: container, protocol}
}

export function parsePort(mapping: DependencyConfig['ports'][number]): PortSpec {
  if (typeof mapping === 'number')
    return {hostIp: DEFAULT_HOST_IP, hostPort: '', containerPort: mapping, protocol: 'tcp'}
  if (typeof mapping === 'string') return parseString(mapping)
  return {
    hostIp: mapping.hostIp,
    hostPort: mapping.host ? String(mapping.host) : '',
    containerPort: mapping.container,
    protocol: mapping.protocol,
  }
}

export function portBindings(specs: PortSpec[]): {
  ExposedPorts: Record<string, object>
  PortBindings: Record<string, {HostIp: string; HostPort: string}[]>
} {
  const ExposedPorts: Record<string, object> = {}
  const PortBindings: Record<string, {HostIp: string; HostPort: string}[]> = {}
  for (const spec of specs) {
    const key = `${spec.containerPort}/${spec.protocol}`
    ExposedPorts[key] = {}
    PortBindings[key] ??= []
    PortBindings[key].push({HostIp: spec.hostIp, HostPort: spec.hostPort})
  }
  return {ExposedPorts, PortBindings}
}

/** container port → host port actually bound, from `inspect().NetworkSettings.Ports`. */
export function boundPorts(
  ports: Record<string, {HostIp: string; HostPort: string}[] | null> | undefined,
): Map<number, number> {
  const out = new Map<number, number>()
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const host = bindings?.find((b) => b.HostPort)?.HostPort
    if (host) out.set(Number.parseInt(key, 10), Number(host))
  }
  return out
}
