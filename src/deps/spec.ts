/**
 * One dependency's config → the engine's create options, plus the hash that decides reuse versus recreate.
 * The hash covers only what shapes the container (image, command, env, ports, volumes, health check), so
 * changing a ready probe or a timeout does not throw away a running database.
 */
import {createHash} from 'node:crypto'
import path from 'node:path'
import type {ContainerCreateOptions} from 'dockerode'
import type {PlannedDependency} from '../config/plan.js'
import {LABEL_DEPENDENCY, LABEL_HASH, LABEL_PROJECT} from './labels.js'
import {portBindings} from './ports.js'

export interface VolumeSpec {
  /** Named volume `<project>_<name>`, or an absolute host path for a bind. */
  source: string
  target: string
  readOnly: boolean
  named: boolean
}

/** `name:/path[:ro]` is a named volume of this project; a path (/, ./, ../, ~) is a bind. */
export function parseVolume(text: string, project: string, root: string): VolumeSpec {
  const parts = text.split(':')
  const mode = parts.length === 3 ? parts.pop() : undefined
  if (parts.length !== 2 || !parts[1].startsWith('/'))
    throw new Error(`volume "${text}": expected name:/container/path or /host/path:/container/path[:ro]`)
  const [source, target] = parts
  const isPath = source.startsWith('/') || source.startsWith('.') || source.startsWith('~')
  const expanded = source.startsWith('~') ? path.join(process.env.HOME ?? '', source.slice(1)) : source
  return {
    source: isPath ? path.resolve(root, expanded) : `${project}_${source}`,
    target,
    readOnly: mode === 'ro',
    named: !isPath,
  }
}

const NS_PER_MS = 1_000_000

export function healthcheckOf(dep: PlannedDependency): ContainerCreateOptions['Healthcheck'] {
  const hc = dep.healthcheck
  if (!hc) return undefined
  const test =
    typeof hc.test === 'string'
      ? ['CMD-SHELL', hc.test]
      : ['CMD', 'CMD-SHELL', 'NONE'].includes(hc.test[0])
        ? hc.test
        : ['CMD', ...hc.test]
  return {
    Test: test,
    Interval: hc.interval * NS_PER_MS,
    Timeout: hc.timeout * NS_PER_MS,
    Retries: hc.retries,
    StartPeriod: hc.startPeriod * NS_PER_MS,
  }
}

export function configHash(dep: PlannedDependency, project: string, root: string): string {
  const shape = {
    image: dep.image,
    command: dep.command ?? null,
    env: Object.entries(dep.env).sort(([a], [b]) => a.localeCompare(b)),
    ports: dep.ports,
    volumes: dep.volumes.map((v) => parseVolume(v, project, root)),
    healthcheck: healthcheckOf(dep) ?? null,
  }
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)
}

export function createOptions(dep: PlannedDependency, project: string, root: string): ContainerCreateOptions {
  const {ExposedPorts, PortBindings} = portBindings(dep.ports)
  const volumes = dep.volumes.map((v) => parseVolume(v, project, root))
  return {
    name: dep.containerName,
    Image: dep.image,
    Cmd: dep.command,
    Env: Object.entries(dep.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABEL_PROJECT]: project,
      [LABEL_DEPENDENCY]: dep.name,
      [LABEL_HASH]: configHash(dep, project, root),
    },
    ExposedPorts,
    Healthcheck: healthcheckOf(dep),
    HostConfig: {
      PortBindings,
      Binds: volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`),
    },
  }
}
