/**
 * Create-or-reuse of one dependency's container against the real engine: created, reused, recreated on a changed
 * config or a moved image tag, a foreign container of the same name never touched, the project's network and
 * named volumes. Everything is made under a unique project and removed by its labels afterwards.
 */
import type Docker from 'dockerode'
import {afterEach, describe, expect, it} from 'vitest'
import type {PlannedDependency} from '../../src/config/plan.js'
import {
  ensureContainer,
  ensureNetwork,
  ForeignContainerError,
  inspectByName,
  networkName,
  startContainer,
} from '../../src/deps/container.js'
import {LABEL_DEPENDENCY, LABEL_HASH, LABEL_PROJECT, LABEL_VOLUME} from '../../src/deps/labels.js'
import {cleanupProject, engine, MARIADB_IMAGE, NO_ENGINE, projectWith, REDIS_IMAGE, uniqueProject} from './helpers.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

it('the project network is <project>_default', () => {
  expect(networkName('nac-x')).toBe('nac-x_default')
})

describe.skipIf(!engine)(`a dependency's container ${engine ? '' : NO_ENGINE}`, () => {
  const docker = engine as Docker

  /** A unique project whose redis has the given extra YAML lines; cleaned up by label (and its folder). */
  function project(extra = '', image = REDIS_IMAGE) {
    const name = uniqueProject('ctr')
    const make = (more: string) => {
      const p = projectWith(
        name,
        `dependencies:\n  redis:\n    image: ${image}\n    pull: never\n    volumes: ["data:/data"]\n${more}`,
      )
      cleanups.push(p.cleanup)
      const plan = p.plan()
      return {root: plan.root, dep: plan.units.find((u) => u.name === 'redis') as PlannedDependency}
    }
    cleanups.push(async () => {
      await cleanupProject(name)
      // A volume not labelled as ours (made by hand, or by the engine for a bind it did not find) goes too.
      await docker
        .getVolume(`${name}_data`)
        .remove()
        .catch(() => undefined)
    })
    return {name, ...make(extra), again: make}
  }

  /** A container made behind naaccord's back (removed by id afterwards). */
  async function foreign(name: string, labels: Record<string, string> = {}) {
    const c = await docker.createContainer({name, Image: REDIS_IMAGE, Labels: labels})
    cleanups.push(() => c.remove({force: true}).catch(() => undefined))
    return c.id
  }

  it('inspectByName is undefined for no such container', async () => {
    expect(await inspectByName(docker, `${uniqueProject('none')}-redis`)).toBeUndefined()
  })

  it('creates the container labelled, on the project network under its name, with a labelled named volume', async () => {
    const p = project()
    const made = await ensureContainer(docker, p.dep, p.name, p.root)
    expect(made.action).toBe('created')
    const info = (await inspectByName(docker, p.dep.containerName))!
    expect(info.Id).toBe(made.id)
    expect(info.State.Status).toBe('created')
    expect(info.Config.Labels).toMatchObject({[LABEL_PROJECT]: p.name, [LABEL_DEPENDENCY]: 'redis'})
    expect(info.Config.Labels[LABEL_HASH]).toMatch(/\S/)
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`${p.name}_default`])
    expect(info.NetworkSettings.Networks[`${p.name}_default`].Aliases).toContain('redis')
    const volume = await docker.getVolume(`${p.name}_data`).inspect()
    expect(volume.Labels).toMatchObject({[LABEL_PROJECT]: p.name, [LABEL_DEPENDENCY]: 'redis', [LABEL_VOLUME]: 'data'})
    const nets = await docker.listNetworks({filters: JSON.stringify({name: [`${p.name}_default`]})})
    expect(nets.filter((n) => n.Name === `${p.name}_default`).map((n) => n.Labels?.[LABEL_PROJECT])).toEqual([p.name])
  })

  it('the same config again reuses the container; a changed config replaces it', async () => {
    const p = project()
    const first = await ensureContainer(docker, p.dep, p.name, p.root)
    const again = await ensureContainer(docker, p.dep, p.name, p.root)
    expect(again).toMatchObject({action: 'reused', id: first.id})
    const changed = p.again('    env: {REDIS_EXTRA: "1"}\n')
    const replaced = await ensureContainer(docker, changed.dep, p.name, changed.root)
    expect(replaced.action).toBe('recreated')
    expect(replaced.id).not.toBe(first.id)
    expect(await inspectByName(docker, first.id)).toBeUndefined()
    expect((await inspectByName(docker, p.dep.containerName))?.Config.Env).toContain('REDIS_EXTRA=1')
  })

  it('the same config with its image tag moved to another image replaces the container', async () => {
    const name = uniqueProject('tag')
    const tag = `localhost/${name}/img:1`
    const [repo] = tag.split(':')
    await docker.getImage(REDIS_IMAGE).tag({repo, tag: '1'})
    // Only the test's own tag is removed (the stand-in images keep theirs); after the containers are gone.
    cleanups.push(() =>
      docker
        .getImage(tag)
        .remove({noprune: true})
        .catch(() => undefined),
    )
    const p = project('', tag)
    const first = await ensureContainer(docker, p.dep, p.name, p.root)
    expect((await ensureContainer(docker, p.dep, p.name, p.root)).action).toBe('reused')
    await docker.getImage(MARIADB_IMAGE).tag({repo, tag: '1'})
    const moved = await ensureContainer(docker, p.dep, p.name, p.root)
    expect(moved.action).toBe('recreated')
    expect(moved.id).not.toBe(first.id)
    expect((await docker.getImage(REDIS_IMAGE).inspect()).RepoTags).toContain(REDIS_IMAGE)
  })

  it('a container of that name without our labels, or of another project or dependency, is refused and kept', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /\(no naaccord labels\)/],
      [{[LABEL_PROJECT]: 'someone-else', [LABEL_DEPENDENCY]: 'redis'}, /\(it belongs to project someone-else\)/],
    ]
    for (const [labels, words] of cases) {
      const p = project()
      const id = await foreign(p.dep.containerName, labels)
      const error = await ensureContainer(docker, p.dep, p.name, p.root).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ForeignContainerError)
      expect((error as Error).message).toMatch(words)
      expect((error as Error).message).toContain(`a container named ${p.dep.containerName} (${id.slice(0, 12)})`)
      expect((error as Error).message).toContain(`docker rm -f ${p.dep.containerName}`)
      expect((await inspectByName(docker, p.dep.containerName))?.Id).toBe(id)
    }
    const p = project()
    const id = await foreign(p.dep.containerName, {[LABEL_PROJECT]: p.name, [LABEL_DEPENDENCY]: 'mariadb'})
    await expect(ensureContainer(docker, p.dep, p.name, p.root)).rejects.toBeInstanceOf(ForeignContainerError)
    expect((await inspectByName(docker, p.dep.containerName))?.Id).toBe(id)
  })

  it('a volume that exists already is used as it is', async () => {
    const p = project()
    await docker.createVolume({Name: `${p.name}_data`, Labels: {mine: 'yes'}})
    await ensureContainer(docker, p.dep, p.name, p.root)
    expect((await docker.getVolume(`${p.name}_data`).inspect()).Labels).toEqual({mine: 'yes'})
  })

  it('concurrent ensureNetwork calls make one network; one made by another process is used', async () => {
    const a = uniqueProject('net')
    cleanups.push(() => cleanupProject(a))
    await Promise.all([ensureNetwork(docker, a), ensureNetwork(docker, a), ensureNetwork(docker, a)])
    const named = async (n: string) =>
      (await docker.listNetworks({filters: JSON.stringify({name: [n]})})).filter((x) => x.Name === n)
    expect(await named(`${a}_default`)).toHaveLength(1)

    const b = uniqueProject('net')
    cleanups.push(() => cleanupProject(b))
    const made = await docker.createNetwork({Name: `${b}_default`, Labels: {[LABEL_PROJECT]: b}})
    await ensureNetwork(docker, b)
    expect((await named(`${b}_default`)).map((n) => n.Id)).toEqual([made.id])
  })

  it('a network removed behind this process’s back is made again when a container needs it', async () => {
    const p = project()
    await ensureContainer(docker, p.dep, p.name, p.root)
    // As `docker rm -f` and `docker network rm` from another terminal would leave it.
    await docker.getContainer(p.dep.containerName).remove({force: true})
    await docker.getNetwork(`${p.name}_default`).remove()
    const again = await ensureContainer(docker, p.dep, p.name, p.root)
    expect(again.action).toBe('created')
    const info = (await inspectByName(docker, p.dep.containerName))!
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`${p.name}_default`])
    await startContainer(again.container)
    expect((await again.container.inspect()).State.Running).toBe(true)
  })

  it('startContainer starts it, and starting it again is fine', async () => {
    const p = project()
    const {container} = await ensureContainer(docker, p.dep, p.name, p.root)
    await startContainer(container)
    await startContainer(container)
    expect((await container.inspect()).State.Running).toBe(true)
  })
})
