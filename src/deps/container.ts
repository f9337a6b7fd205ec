/**
 * Create-or-reuse for one dependency's container. Reuse when this project's container has the same config
 * hash (and image); recreate when it changed; never touch a container of the same name that is not ours.
 */
import type Docker from 'dockerode'
import type {PlannedDependency} from '../config/plan.js'
import {statusOf} from './api-error.js'
import {LABEL_DEPENDENCY, LABEL_HASH, LABEL_PROJECT, LABEL_VOLUME} from './labels.js'
import {createOptions, parseVolume} from './spec.js'

export class ForeignContainerError extends Error {
  constructor(name: string, id: string, owner: string | undefined) {
    super(
      `a container named ${name} (${id.slice(0, 12)}) already exists and is not this project's dependency` +
        `${owner ? ` (it belongs to project ${owner})` : ' (no naaccord labels)'}; naaccord never touches it. ` +
        `Rename or remove it yourself (docker rm -f ${name}), or change \`project:\` in the config.`,
    )
    this.name = 'ForeignContainerError'
  }
}

export type ContainerAction = 'created' | 'reused' | 'recreated'

export async function inspectByName(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect()
  } catch (error) {
    if (statusOf(error) === 404) return undefined
    throw error
  }
}

/** Named volumes of this dependency, created with the project's label (kept across stop/start and down). */
async function ensureVolumes(docker: Docker, dep: PlannedDependency, project: string, root: string) {
  for (const text of dep.volumes) {
    const v = parseVolume(text, project, root)
    if (!v.named) continue
    try {
      await docker.getVolume(v.source).inspect()
    } catch (error) {
      if (statusOf(error) !== 404) throw error
      await docker.createVolume({
        Name: v.source,
        Labels: {[LABEL_PROJECT]: project, [LABEL_DEPENDENCY]: dep.name, [LABEL_VOLUME]: text.split(':')[0]},
      })
    }
  }
}

/** `<project>_default`: the project's own network, where each dependency answers to its name (flower → redis). */
export function networkName(project: string): string {
  return `${project}_default`
}

const networks = new Map<string, Promise<void>>()

/**
 * Creates the project's network unless it is there (labelled, so down removes it); concurrent callers share one
 * check-and-create. Only the one in flight is shared: a later caller looks again, since the network may have been
 * removed meanwhile (`docker network rm`, a prune) and a container cannot be created on a missing one.
 */
export function ensureNetwork(docker: Docker, project: string): Promise<void> {
  const name = networkName(project)
  let pending = networks.get(name)
  if (!pending) {
    pending = (async () => {
      const found = await docker.listNetworks({filters: JSON.stringify({name: [name]})})
      if (found.some((n) => n.Name === name)) return
      try {
        await docker.createNetwork({Name: name, Labels: {[LABEL_PROJECT]: project}, CheckDuplicate: true})
      } catch (error) {
        // Created meanwhile by another naaccord process: fine.
        if (statusOf(error) !== 409 && !/already (exists|used)/i.test(String((error as Error).message))) throw error
      }
    })()
    networks.set(name, pending)
    const settled = () => {
      if (networks.get(name) === pending) networks.delete(name)
    }
    pending.then(settled, settled)
  }
  return pending
}

export interface EnsuredContainer {
  container: Docker.Container
  id: string
  action: ContainerAction
}

export async function ensureContainer(
  docker: Docker,
  dep: PlannedDependency,
  project: string,
  root: string,
): Promise<EnsuredContainer> {
  const options = createOptions(dep, project, root)
  const wantHash = options.Labels?.[LABEL_HASH]
  const existing = await inspectByName(docker, dep.containerName)
  let action: ContainerAction = 'created'
  if (existing) {
    const labels = existing.Config.Labels ?? {}
    if (labels[LABEL_PROJECT] !== project || labels[LABEL_DEPENDENCY] !== dep.name)
      throw new ForeignContainerError(dep.containerName, existing.Id, labels[LABEL_PROJECT])
    const image = await docker
      .getImage(dep.image)
      .inspect()
      .catch(() => undefined)
    const sameImage = !image || image.Id === existing.Image
    if (labels[LABEL_HASH] === wantHash && sameImage)
      return {container: docker.getContainer(existing.Id), id: existing.Id, action: 'reused'}
    await docker.getContainer(existing.Id).remove({force: true})
    action = 'recreated'
  }
  await ensureVolumes(docker, dep, project, root)
  await ensureNetwork(docker, project)
  const network = networkName(project)
  const container = await docker.createContainer({
    ...options,
    HostConfig: {...options.HostConfig, NetworkMode: network},
    NetworkingConfig: {EndpointsConfig: {[network]: {Aliases: [dep.name]}}},
  })
  return {container, id: container.id, action}
}

/** Starts it unless running; 304 (already started) is fine. */
export async function startContainer(container: Docker.Container): Promise<void> {
  try {
    await container.start()
  } catch (error) {
    if (statusOf(error) !== 304) throw error
  }
}
