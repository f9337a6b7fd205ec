/**
 * One dependency's lifecycle against the real engine, on the redis stand-in (it starts in well under a second):
 * cold start to ready, reuse, recreate on a config change, a foreign container with our name, an image that
 * cannot be had, a container that dies while starting, the log probe counting only this start, stop and down.
 */
import {afterAll, describe, expect, it, vi} from 'vitest'
import {ForeignContainerError, ImageError} from '../../src/deps/index.js'
import {listProjectContainers, removeProjectContainers, stopProjectContainers} from '../../src/deps/project.js'
import {createDependencyRunners, type DependencyRunner, HEALTH_POLL_MS} from '../../src/deps/runner.js'
import {
  cleanupProject,
  cli,
  engine,
  execIn,
  NO_ENGINE,
  projectWith,
  REDIS_IMAGE,
  recordingHooks,
  uniqueProject,
} from './helpers.js'

function redisYaml(extra = '', ready = 'exec: {command: [redis-cli, ping]}') {
  return `dependencies:
  redis:
    image: ${REDIS_IMAGE}
    pull: never
    ports: ["127.0.0.1:0:6379"]
${extra}    ready:
      ${ready}
      interval: 100ms
    startTimeout: 30s
    stopTimeout: 1s
`
}

async function run(p: ReturnType<typeof projectWith>) {
  const hooks = recordingHooks()
  const {runners, endpoint} = await createDependencyRunners(p.plan(), () => hooks)
  const runner = runners.get('redis')
  if (!runner) throw new Error('no redis runner')
  const ac = new AbortController()
  await runner.start(ac.signal)
  return {runner, hooks, endpoint, ac}
}

// Real containers on a 2-core machine shared with other suites: a cold MariaDB can take a minute under load.
vi.setConfig({testTimeout: 300_000})

describe.skipIf(!engine)(`redis dependency on the real engine ${engine ? '' : NO_ENGINE}`, () => {
  const docker = engine as NonNullable<typeof engine>
  const projects: string[] = []
  const dirs: (() => void)[] = []
  const project = (tag: string, yaml: string) => {
    const name = uniqueProject(tag)
    projects.push(name)
    const p = projectWith(name, yaml)
    dirs.push(p.cleanup)
    return {name, p}
  }
  afterAll(async () => {
    for (const name of projects) await cleanupProject(name)
    for (const cleanup of dirs) cleanup()
  })

  it('cold start to ready on a random port, its logs, then reuse on the second start, then recreate on a change', async () => {
    const {name, p} = project('life', redisYaml())
    const first = await run(p)
    await first.runner.waitReady(first.ac.signal)
    expect(first.endpoint).toMatch(/^unix:\/\/|^tcp/)
    expect(first.hooks.status).toMatchObject({state: 'ready', image: REDIS_IMAGE})
    expect(first.hooks.status.port).toBeGreaterThan(0)
    const info = await docker.getContainer(`${name}-redis`).inspect()
    expect(info.Config.Labels).toMatchObject({'io.naaccord.project': name, 'io.naaccord.dependency': 'redis'})
    expect(info.HostConfig.PortBindings?.['6379/tcp']?.[0]?.HostIp).toBe('127.0.0.1')
    // The log follow is its own stream: redis may answer PING a moment before its line has come through.
    await vi.waitFor(
      () =>
        expect(first.hooks.lines.some((l) => l.stream === 'stdout' && /Ready to accept connections/.test(l.line))).toBe(
          true,
        ),
      {timeout: 5000, interval: 50},
    )
    expect(first.hooks.lines[0].line).toMatch(/^created container/)
    const id = first.hooks.status.containerId

    const second = await run(p)
    await second.runner.waitReady(second.ac.signal)
    expect(second.hooks.status.containerId).toBe(id)
    expect(second.hooks.lines[0].line).toMatch(/^reused container/)

    await first.runner.stop(1000)
    expect((await docker.getContainer(id as string).inspect()).State.Running).toBe(false)
    const third = await run(p)
    await third.runner.waitReady(third.ac.signal)
    expect(third.hooks.status.containerId).toBe(id)
    expect((await docker.getContainer(id as string).inspect()).State.Running).toBe(true)

    // A config change (env) recreates it.
    const {writeFileSync} = await import('node:fs')
    writeFileSync(
      `${p.dir}/naaccord.config.yaml`,
      `project: ${name}\napiKey: test-key-0123456789abcdef\n${redisYaml('    env: {CHANGED: "1"}\n')}`,
    )
    const fourth = await run(p)
    await fourth.runner.waitReady(fourth.ac.signal)
    expect(fourth.hooks.status.containerId).not.toBe(id)
    expect(fourth.hooks.lines[0].line).toMatch(/^recreated container/)
    expect((await listProjectContainers(docker, name)).length).toBe(1)
    await fourth.runner.stop(1000)
    const exit = await fourth.runner.waitExit()
    expect(exit.code).not.toBeNull()
  })

  it('without a ready probe, the image’s own health check decides: ready once healthy', async () => {
    const {p} = project(
      'health',
      `dependencies:\n  redis: {image: ${REDIS_IMAGE}, pull: never, ports: [6379], startTimeout: 90s, stopTimeout: 1s}\n`,
    )
    const first = await run(p)
    await first.runner.waitReady(first.ac.signal)
    expect(first.hooks.status).toMatchObject({state: 'ready', health: 'healthy'})
    expect(first.hooks.lines.map((l) => l.line)).toContain('health: healthy')
    await first.runner.stop(1000)
  })

  it('while its port still refuses, a starting container is not asked about every few ms (the engine has a database to start)', async () => {
    // The published port never accepts (redis listens on another), so naaccord's own run of the health check
    // waits on the port and the engine's health check decides.
    const {p} = project(
      'quiet',
      `dependencies:
  redis:
    image: ${REDIS_IMAGE}
    pull: never
    ports: ["127.0.0.1:0:6379"]
    command: [redis-server, --port, "6380"]
    healthcheck: {test: "test -f /tmp/go && redis-cli -p 6380 ping", interval: 1s, startPeriod: 60s}
    startTimeout: 60s
    stopTimeout: 1s
`,
    )
    const first = await run(p)
    const runner = first.runner as unknown as DependencyRunner
    const container = (runner as unknown as {container: {inspect: () => Promise<unknown>}}).container
    // Every look at the engine and every wait between two, in order.
    const events: string[] = []
    const inspect = container.inspect.bind(container)
    container.inspect = () => {
      events.push('inspect')
      return inspect()
    }
    const {sleep, waitForPort} = runner.waits
    runner.waits = {
      sleep: (ms, signal) => {
        events.push(`sleep ${ms}`)
        return sleep(ms, signal)
      },
      waitForPort: (port, ms, signal) => {
        events.push(`port ${ms}`)
        return waitForPort(port, ms, signal)
      },
    }
    // The engine's check passes only once the test allows it, after naaccord has looked twice (a loaded machine
    // could otherwise see the container healthy at the first look).
    const ready = first.runner.waitReady(first.ac.signal)
    await vi.waitFor(() => expect(events.filter((e) => e === 'inspect').length).toBeGreaterThan(1), {
      timeout: 60_000,
      interval: 50,
    })
    await execIn(docker, first.hooks.status.containerId as string, ['touch', '/tmp/go'])
    await ready
    expect(first.hooks.status).toMatchObject({state: 'ready'})
    // The engine was asked more than once (it said starting first), and between any two looks naaccord waited a
    // full poll on the refusing port; it used to loop straight back to inspect (a 0 ms sleep, every ~12 ms).
    const inspects = events.filter((e) => e === 'inspect').length
    expect(inspects).toBeGreaterThan(1)
    const between = events
      .join(' ')
      .split('inspect')
      .slice(1, -1)
      .map((s) => s.trim())
    expect(between).toHaveLength(inspects - 1)
    for (const waits of between) expect(waits).toBe(`port ${HEALTH_POLL_MS}`)
    await first.runner.stop(1000)
  })

  it('after ready, a failing health check shows unhealthy with its output, and ready again when it passes', async () => {
    const {p} = project(
      'sick',
      `dependencies:
  redis:
    image: ${REDIS_IMAGE}
    pull: never
    healthcheck: {test: "test ! -f /tmp/sick || (echo feeling sick; exit 1)", interval: 1s, retries: 1}
    startTimeout: 60s
    stopTimeout: 1s
`,
    )
    const r = await run(p)
    await r.runner.waitReady(r.ac.signal)
    // Liveness as the supervisor runs it once ready: the Prober with the health check's test, quickly here.
    process.env.NAACCORD_HEALTH_INTERVAL = '200'
    r.runner.watchHealth?.(r.ac.signal, (healthy, reason) =>
      r.hooks.update(healthy ? {state: 'ready'} : {state: 'unhealthy', message: reason}),
    )
    delete process.env.NAACCORD_HEALTH_INTERVAL
    const id = r.hooks.status.containerId as string
    await execIn(docker, id, ['touch', '/tmp/sick'])
    const until = async (state: string) => {
      const deadline = Date.now() + 60_000
      while (r.hooks.status.state !== state && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200))
      return r.hooks.status.state
    }
    expect(await until('unhealthy')).toBe('unhealthy')
    expect(r.hooks.status.message).toMatch(/feeling sick/)
    await execIn(docker, id, ['rm', '/tmp/sick'])
    expect(await until('ready')).toBe('ready')
    r.ac.abort()
    await r.runner.stop(1000)
  })

  it('dependencies reach each other by name on the project’s network; down removes the network', async () => {
    const {name, p} = project(
      'net',
      `dependencies:
  redis: {image: ${REDIS_IMAGE}, pull: never, ready: {exec: {command: [redis-cli, ping]}, interval: 100ms}, stopTimeout: 1s}
  client:
    image: ${REDIS_IMAGE}
    pull: never
    command: [--port, "6380"]
    dependsOn: [redis]
    ready: {exec: {command: [redis-cli, -h, redis, ping]}, interval: 200ms}
    startTimeout: 30s
    stopTimeout: 1s
`,
    )
    const {runners} = await createDependencyRunners(p.plan(), () => recordingHooks())
    const ac = new AbortController()
    for (const unit of ['redis', 'client']) {
      const runner = runners.get(unit) as NonNullable<ReturnType<typeof runners.get>>
      await runner.start(ac.signal)
      await runner.waitReady(ac.signal)
    }
    const filter = JSON.stringify({label: [`io.naaccord.project=${name}`]})
    expect((await docker.listNetworks({filters: filter})).map((n) => n.Name)).toEqual([`${name}_default`])
    await removeProjectContainers(docker, name, {timeoutMs: 1000})
    expect(await docker.listNetworks({filters: filter})).toEqual([])
  })

  it('never touches a container of the same name that is not this project’s', async () => {
    const {name, p} = project('foreign', redisYaml())
    const foreign = await docker.createContainer({name: `${name}-redis`, Image: REDIS_IMAGE, Labels: {mine: 'yes'}})
    try {
      const err = await run(p).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(ForeignContainerError)
      expect(String((err as Error).message)).toContain(`${name}-redis`)
      const still = await foreign.inspect()
      expect(still.Id).toBe(foreign.id)
      expect(still.Config.Labels).toMatchObject({mine: 'yes'})
      expect(still.Config.Labels?.['io.naaccord.project']).toBeUndefined()
      expect(still.State.Status).toBe('created')
    } finally {
      await foreign.remove({force: true})
    }
  })

  it('an image that cannot be had is an error naming it and the cause (pull missing and never)', async () => {
    const image = 'localhost/naaccord-dev/no-such-image:0'
    const {p} = project('nopull', redisYaml().replace(REDIS_IMAGE, image).replace('pull: never', 'pull: missing'))
    const err = (await run(p).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error
    expect(err).toBeInstanceOf(ImageError)
    expect(err.message).toContain(image)
    expect(err.message).toMatch(/pull failed: \S/)
    const never = project('never', redisYaml().replace(REDIS_IMAGE, image))
    await expect(run(never.p)).rejects.toThrow(/not present and pull is `never`/)
  })

  it('a container that exits while starting fails with its last log lines', async () => {
    const {p} = project(
      'dies',
      `dependencies:
  mariadb:
    image: localhost/naaccord-dev/mariadb:10.11
    pull: never
    ports: [3306]
    startTimeout: 30s
`,
    )
    const hooks = recordingHooks()
    const {runners} = await createDependencyRunners(p.plan(), () => hooks)
    const runner = runners.get('mariadb') as NonNullable<ReturnType<typeof runners.get>>
    const ac = new AbortController()
    await runner.start(ac.signal)
    const err = (await runner.waitReady(ac.signal).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/container exited with code 1 while starting/)
    expect(err.message).toMatch(/last log lines:[\s\S]*MARIADB_ROOT_PASSWORD/)
  })

  it('a log probe counts only lines of this start; a start timeout shows the last lines', async () => {
    const {p} = project('logprobe', redisYaml('', 'log: {pattern: "Ready to accept connections"}'))
    const first = await run(p)
    await first.runner.waitReady(first.ac.signal)
    await first.runner.stop(1000)
    // The same container started again: only this start's lines are delivered, so "Ready" is seen once.
    const second = await run(p)
    expect(second.hooks.lines[0].line).toMatch(/^reused container/)
    await second.runner.waitReady(second.ac.signal)
    expect(second.hooks.lines.filter((l) => /Ready to accept connections/.test(l.line))).toHaveLength(1)
    expect(second.hooks.lines.filter((l) => /Redis is starting/.test(l.line))).toHaveLength(1)
    await second.runner.stop(1000)
    // A pattern that never comes: the timeout error says why and shows the last lines.
    const {writeFileSync} = await import('node:fs')
    writeFileSync(
      `${p.dir}/naaccord.config.yaml`,
      `project: ${p.plan().project}\napiKey: test-key-0123456789abcdef\n${redisYaml('', 'log: {pattern: "never printed"}').replace('startTimeout: 30s', 'startTimeout: 1s')}`,
    )
    const third = await run(p)
    const err = (await third.runner.waitReady(third.ac.signal).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/not ready within 1s \(log \/never printed\/\): no log line matching \/never printed\//)
    expect(err.message).toMatch(/last log lines:[\s\S]*Ready to accept connections/)
    await third.runner.stop(1000)
  })

  it('`naaccord stop` without a session still stops the project’s containers (a killed supervisor’s)', async () => {
    const {name, p} = project('orphan', redisYaml())
    const first = await run(p)
    await first.runner.waitReady(first.ac.signal)
    const res = await cli(['stop', '--config', `${p.dir}/naaccord.config.yaml`, '--timeout', '1s'], {cwd: p.dir})
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`stopped container ${name}-redis`)
    expect((await listProjectContainers(docker, name)).filter((c) => c.state === 'running')).toEqual([])
  })

  it('volumes survive stop; stop and down leave no container of the project, --volumes removes its volumes', async () => {
    const {name, p} = project('vol', redisYaml('    volumes: ["data:/data"]\n'))
    const first = await run(p)
    await first.runner.waitReady(first.ac.signal)
    const id = first.hooks.status.containerId as string
    expect((await execIn(docker, id, ['sh', '-c', 'echo kept > /data/marker'])).code).toBe(0)
    expect(await stopProjectContainers(docker, name, 1000)).toEqual([`${name}-redis`])
    expect((await listProjectContainers(docker, name)).filter((c) => c.state === 'running')).toEqual([])
    const again = await run(p)
    await again.runner.waitReady(again.ac.signal)
    expect((await execIn(docker, id, ['cat', '/data/marker'])).output.trim()).toBe('kept')
    const down = await removeProjectContainers(docker, name, {timeoutMs: 1000})
    expect(down.containers).toEqual([`${name}-redis`])
    expect(await listProjectContainers(docker, name)).toEqual([])
    const vols = await docker.listVolumes({filters: JSON.stringify({label: [`io.naaccord.project=${name}`]})})
    expect(vols.Volumes?.map((v) => v.Name)).toEqual([`${name}_data`])
    const gone = await removeProjectContainers(docker, name, {volumes: true})
    expect(gone.volumes).toEqual([`${name}_data`])
  })
})
