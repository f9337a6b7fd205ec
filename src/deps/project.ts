/**
 * This project's containers and volumes, found by label (never by name alone), for `stop`, `down` and
 * `status` to use whether or not a session is running.
 */
import type Docker from 'dockerode'
import {statusOf} from './api-error.js'
import {LABEL_DEPENDENCY, projectFilter} from './labels.js'

export interface ProjectContainer {
  id: string
  name: string
  dependency: string
  image: string
  state: string
  /** "Up 3 minutes (healthy)" as the engine puts it. */
  status: string
  health?: string
}

export async function listProjectContainers(docker: Docker, project: string): Promise<ProjectContainer[]> {
  const list = await docker.listContainers({all: true, filters: JSON.stringify(projectFilter(project))})
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    dependency: c.Labels?.[LABEL_DEPENDENCY] ?? '',
    image: c.Image,
    state: c.State,
    status: c.Status,
    health: /\((healthy|unhealthy|starting|health: starting)\)/.exec(c.Status ?? '')?.[1]?.replace('health: ', ''),
  }))
}

function ignorable(error: unknown, ...codes: number[]): boolean {
  return codes.includes(statusOf(error) ?? 0)
}

/** Stops every running container of the project (grace period, then the engine kills); returns their names. */
export async function stopProjectContainers(docker: Docker, project: string, timeoutMs = 10_000): Promise<string[]> {
  const running = (await listProjectContainers(docker, project)).filter((c) => c.state === 'running')
  await Promise.all(
    running.map((c) =>
      docker
        .getContainer(c.id)
        .stop({t: Math.ceil(timeoutMs / 1000)})
        .catch((error) => {
          if (!ignorable(error, 304, 404)) throw error
        }),
    ),
  )
  return running.map((c) => c.name)
}

/** Removes every container of the project (stopping first), and its labelled volumes when asked. */
export async function removeProjectContainers(
  docker: Docker,
  project: string,
  options: {volumes?: boolean; timeoutMs?: number} = {},
): Promise<{containers: string[]; volumes: string[]}> {
  await stopProjectContainers(docker, project, options.timeoutMs)
  const all = await listProjectContainers(docker, project)
  await Promise.all(
    all.map((c) =>
      docker
        .getContainer(c.id)
        .remove({force: true})
        .catch((error) => {
          if (!ignorable(error, 404)) throw error
        }),
    ),
  )
  // The project's network (containers reach each other by name on it) goes with its containers.
  const nets = await docker.listNetworks({filters: JSON.stringify(projectFilter(project))})
  for (const n of nets) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch((error) => {
        if (!ignorable(error, 404, 409, 500)) throw error
      })
  }
  const volumes: string[] = []
  if (options.volumes) {
    const {Volumes} = await docker.listVolumes({filters: JSON.stringify(projectFilter(project))})
    for (const v of Volumes ?? []) {
      await docker
        .getVolume(v.Name)
        .remove()
        .catch((error) => {
          if (!ignorable(error, 404)) throw error
        })
      volumes.push(v.Name)
    }
  }
  return {containers: all.map((c) => c.name), volumes}
}

/** For `stop`: this project's running containers stopped by label; [] when no engine answers (nothing to stop). */
export async function stopLeftoverContainers(project: string, timeoutMs = 10_000): Promise<string[]> {
  const {connectEngine} = await import('./engine.js')
  let docker: Docker
  try {
    docker = (await connectEngine({timeoutMs: 2000})).docker
  } catch {
    return []
  }
  return stopProjectContainers(docker, project, timeoutMs)
}
