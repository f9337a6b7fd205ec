/**
 * A container's exit, seen through the engine's event stream (src/deps/exit-watch.ts): its exit code when it
 * exits on its own, at once when it had already exited, and null once it is removed.
 */
import {afterAll, describe, expect, it} from 'vitest'
import {watchExit} from '../../src/deps/exit-watch.js'
import {engine, NO_ENGINE, REDIS_IMAGE, uniqueProject} from './helpers.js'

const created: string[] = []
afterAll(async () => {
  for (const id of created)
    await engine
      ?.getContainer(id)
      .remove({force: true})
      .catch(() => undefined)
})

async function container(cmd: string[]) {
  if (!engine) throw new Error('no engine')
  const c = await engine.createContainer({
    name: uniqueProject('exitw'),
    Image: REDIS_IMAGE,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: cmd,
    Labels: {'io.naaccord.test': 'exit-watch'},
  })
  created.push(c.id)
  return c
}

describe.skipIf(!engine)(`deps: exit watch ${engine ? '' : NO_ENGINE}`, () => {
  it('gives the exit code of a container that exits on its own', async () => {
    const c = await container(['sleep 1; exit 3'])
    await c.start()
    const watch = await watchExit(engine!, c)
    expect((await c.inspect()).State.Running).toBe(true)
    expect(await watch.exited).toEqual({code: 3, signal: null})
  })

  it('resolves at once for a container that has already exited, and null for one removed while watched', async () => {
    const done = await container(['exit 7'])
    await done.start()
    await done.wait()
    expect(await (await watchExit(engine!, done)).exited).toEqual({code: 7, signal: null})

    const running = await container(['sleep 60'])
    await running.start()
    const watch = await watchExit(engine!, running)
    await running.remove({force: true})
    const exit = await watch.exited
    // Killed by the removal: the engine reports the kill's code, or nothing once the container is gone.
    expect(exit.code === null || exit.code === 137).toBe(true)
  })
})
