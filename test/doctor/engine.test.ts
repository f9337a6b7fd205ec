import {afterEach, describe, expect, it} from 'vitest'
import {tryEngine} from '../../src/doctor/engine.js'
import {tempProject} from '../helpers/index.js'
import {byId, doctor, one} from './helpers.js'

const engine = 'docker' in (await tryEngine(process.env))

function config(images: Record<string, string>, extra = ''): string {
  return `project: nac-engine
dependencies:
${Object.entries(images)
  .map(([name, image]) => `  ${name}:\n    image: ${image}\n${extra}`)
  .join('')}`
}

describe('doctor: container engine', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })
  function project(yaml: string) {
    const p = tempProject(yaml)
    cleanups.push(p.cleanup)
    return p.dir
  }

  it('reports no engine reachable at DOCKER_HOST as an error when a dependency needs one', async () => {
    const dir = project(config({redis: 'redis:7-alpine'}))
    const report = await doctor(dir, {env: {DOCKER_HOST: 'unix:///nonexistent.sock'}})
    const r = one(report, 'engine')
    expect(r.status).toBe('error')
    expect(r.message).toBe('no container engine reachable, and redis needs one')
    expect(r.detail).toEqual(['unix:///nonexistent.sock (DOCKER_HOST): no such socket'])
    expect(one(report, 'images').status).toBe('skip')
  })

  it('does not call a missing engine an error when no dependency is enabled', async () => {
    const dir = project(config({redis: 'redis:7-alpine'}, '    profiles: [docker]\n'))
    const r = one(await doctor(dir, {env: {DOCKER_HOST: 'unix:///nonexistent.sock'}}), 'engine')
    expect(r.status).toBe('skip')
    // With the profile on, it is needed again.
    const needed = await doctor(dir, {env: {DOCKER_HOST: 'unix:///nonexistent.sock'}, profiles: ['docker']})
    expect(one(needed, 'engine').status).toBe('error')
  })

  describe.skipIf(!engine)('with the engine (no container engine reachable: set DOCKER_HOST)', () => {
    const env = {DOCKER_HOST: process.env.DOCKER_HOST}

    it('names the endpoint and API version, and checks each image', async () => {
      const dir = project(
        config({redis: 'localhost/naaccord-dev/redis:7', ghost: 'localhost/naaccord-dev/absent-image:1'}),
      )
      const report = await doctor(dir, {env})
      expect(one(report, 'engine').message).toMatch(/^container engine at \S+ \(.+, API \d+\.\d+\)$/)
      expect(one(report, 'images', 'redis').message).toMatch(
        /^redis: localhost\/naaccord-dev\/redis:7 is present \([0-9a-f]{12}\)$/,
      )
      const ghost = one(report, 'images', 'ghost')
      expect(ghost.status).toBe('warn')
      expect(ghost.fix).toBe('docker pull localhost/naaccord-dev/absent-image:1')
    })

    it('with --online, says an image that is neither local nor in a registry cannot be pulled', async () => {
      const dir = project(config({ghost: 'localhost/naaccord-dev/absent-image:1'}))
      const r = one(await doctor(dir, {env, online: true}), 'images', 'ghost')
      expect(r.status).toBe('error')
      expect(r.message).toBe('ghost: localhost/naaccord-dev/absent-image:1 is not present locally and cannot be pulled')
      expect(byId(await doctor(dir, {env}), 'images')[0].status).toBe('warn')
    })
  })
})
