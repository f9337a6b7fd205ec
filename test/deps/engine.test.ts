/** Reaching the engine: the endpoint used, one clear error when none answers, and no engine needed without deps. */
import {describe, expect, it} from 'vitest'
import {connectEngine, describeEngine, EngineUnreachableError} from '../../src/deps/engine.js'
import {createDependencyRunners} from '../../src/deps/runner.js'
import {freePort} from '../helpers/index.js'
import {cli, engine, NO_ENGINE, projectWith, REDIS_IMAGE, uniqueProject} from './helpers.js'

describe('engine unreachable', () => {
  it('names every endpoint tried, why, and the fix', async () => {
    const port = await freePort()
    for (const host of ['unix:///tmp/naaccord-no-such.sock', `tcp://127.0.0.1:${port}`]) {
      const err = (await connectEngine({env: {DOCKER_HOST: host}, timeoutMs: 1000}).catch((e: unknown) => e)) as Error
      expect(err).toBeInstanceOf(EngineUnreachableError)
      expect(err.message).toContain(host.replace('tcp://', ''))
      expect(err.message).toMatch(/DOCKER_HOST/)
      expect(err.message).toMatch(/fix: /)
    }
  })

  it('createDependencyRunners fails with it only when the plan has a dependency', async () => {
    const env = {DOCKER_HOST: 'unix:///tmp/naaccord-no-such.sock'}
    const none = projectWith(uniqueProject('nodeps'), 'dependencies: {}\n')
    try {
      const result = await createDependencyRunners(none.plan(), () => ({log() {}, update() {}}), env)
      expect(result).toMatchObject({endpoint: ''})
      expect(result.runners.size).toBe(0)
    } finally {
      none.cleanup()
    }
    const some = projectWith(uniqueProject('deps'), `dependencies:\n  redis: {image: ${REDIS_IMAGE}}\n`)
    try {
      await expect(createDependencyRunners(some.plan(), () => ({log() {}, update() {}}), env)).rejects.toThrow(
        /no container engine reachable[\s\S]*naaccord-no-such\.sock \(DOCKER_HOST\): no such socket/,
      )
    } finally {
      some.cleanup()
    }
  })

  it('`start --profile docker` without an engine is one clear error and starts nothing', async () => {
    const p = projectWith(
      uniqueProject('cli'),
      `dependencies:\n  redis: {image: ${REDIS_IMAGE}, profiles: [docker], ports: [6379]}\n`,
    )
    try {
      const res = await cli(['start', '--config', `${p.dir}/naaccord.config.yaml`, '--profile', 'docker'], {
        cwd: p.dir,
        env: {...process.env, NO_COLOR: '1', DOCKER_HOST: 'unix:///tmp/naaccord-no-such.sock'},
        timeout: 60_000,
      })
      expect(res.exitCode).not.toBe(0)
      expect(res.all).toMatch(/no container engine reachable/)
      expect(res.all).toMatch(/naaccord-no-such\.sock/)
    } finally {
      p.cleanup()
    }
  })
})

describe('down without an engine', () => {
  it('is quiet when the project has no dependency, and an error naming the engine when it has', async () => {
    const env = {...process.env, NO_COLOR: '1', DOCKER_HOST: 'unix:///tmp/naaccord-no-such.sock'}
    const none = projectWith(uniqueProject('down0'), 'dependencies: {}\n')
    const some = projectWith(uniqueProject('down1'), `dependencies:\n  redis: {image: ${REDIS_IMAGE}}\n`)
    try {
      const quiet = await cli(['down', '--config', `${none.dir}/naaccord.config.yaml`], {cwd: none.dir, env})
      expect(quiet.exitCode, quiet.all).toBe(0)
      expect(quiet.stdout).toMatch(/nothing of project nacdt-down0-\w+ to take down/)
      const loud = await cli(['down', '--config', `${some.dir}/naaccord.config.yaml`, '--json'], {
        cwd: some.dir,
        env,
      })
      expect(loud.exitCode).toBe(1)
      expect(JSON.parse(loud.stdout).problems[0]).toMatch(/no container engine reachable[\s\S]*naaccord-no-such/)
    } finally {
      none.cleanup()
      some.cleanup()
    }
  })
})

describe.skipIf(!engine)(`engine reachable ${engine ? '' : NO_ENGINE}`, () => {
  it('describeEngine shows the endpoint, where it came from and the version', async () => {
    const d = await describeEngine()
    expect(d.reachable).toBe(true)
    expect(d.endpoint).toMatch(/^(unix|tcp|tcp\+tls|ssh):\/\//)
    expect(d.source).toBeTruthy()
    expect(d.version).toMatch(/\d/)
  })
})
