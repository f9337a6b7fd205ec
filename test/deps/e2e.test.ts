/**
 * The whole thing through the CLI: `start --profile docker --detach` with the redis and mariadb stand-ins and the
 * built-in pair, `services` waiting for `mariadb: healthy`, where MariaDB's readiness is a login as the
 * configured user into the configured database; then `status`, `stop` (no running container of the project
 * left, the volume kept) and `down --volumes` (nothing of the project left).
 */
import {afterAll, describe, expect, it, vi} from 'vitest'
import {listProjectContainers} from '../../src/deps/project.js'
import type {SessionStatus} from '../../src/session/protocol.js'
import {builtinConfig, freePort} from '../helpers/index.js'
import {
  cleanupProject,
  cli,
  engine,
  execIn,
  MARIADB_IMAGE,
  NO_ENGINE,
  projectWith,
  REDIS_IMAGE,
  uniqueProject,
} from './helpers.js'

const overlay = (project: string) => `dependencies:
  mariadb:
    image: ${MARIADB_IMAGE}
    pull: never
    profiles: [docker]
    ports: ["127.0.0.1:0:3306"]
    env: {MARIADB_ROOT_PASSWORD: root-e2e, MARIADB_DATABASE: naaccord, MARIADB_USER: naaccord, MARIADB_PASSWORD: pw-e2e}
    volumes: ["mariadb-data:/var/lib/mysql"]
    healthcheck:
      test: [CMD, healthcheck.sh, --connect, --innodb_initialized]
      interval: 1s
      startPeriod: 60s
    ready:
      exec: {command: [mariadb, --protocol=tcp, -h127.0.0.1, -unaaccord, -ppw-e2e, naaccord, -e, "select 1"]}
      interval: 300ms
    startTimeout: 90s
    stopTimeout: 5s
  redis:
    image: ${REDIS_IMAGE}
    pull: never
    profiles: [docker]
    ports: ["127.0.0.1:0:6379"]
    ready: {exec: {command: [redis-cli, ping]}, interval: 100ms}
    stopTimeout: 2s
# ${project}
`

// Real containers on a 2-core machine shared with other suites: a cold MariaDB can take a minute under load.
vi.setConfig({testTimeout: 300_000})

describe.skipIf(!engine)(`start/stop/down with Docker dependencies ${engine ? '' : NO_ENGINE}`, () => {
  const docker = engine as NonNullable<typeof engine>
  const project = uniqueProject('e2e')
  let cleanup = () => {}
  let dir = ''
  afterAll(async () => {
    if (dir) await cli(['stop', '--config', `${dir}/naaccord.config.yaml`], {cwd: dir})
    await cleanupProject(project)
    cleanup()
  })

  it('brings the dependencies up healthy before services, and stop/down leave nothing running', async () => {
    const [webPort, servicesPort] = [await freePort(), await freePort()]
    const servers = builtinConfig({webPort, servicesPort, project})
      .replace(/^project: .*\n/, '')
      .replace(/^apiKey: .*\n/m, '')
      .replace('    role: services\n', '    role: services\n    dependsOn: {mariadb: healthy, redis: ready}\n')
    const p = projectWith(project, `${servers}${overlay(project)}`)
    cleanup = p.cleanup
    dir = p.dir
    const config = `${dir}/naaccord.config.yaml`
    const env = {...process.env, NO_COLOR: '1'}

    const started = await cli(['start', '--config', config, '--profile', 'docker', '--detach'], {
      cwd: dir,
      env,
      timeout: 150_000,
    })
    expect(started.exitCode, started.all).toBe(0)

    const st = await cli(['status', '--config', config, '--json'], {cwd: dir, env})
    expect(st.exitCode, st.all).toBe(0)
    const status = JSON.parse(st.stdout) as SessionStatus
    expect(status.engine).toMatch(/^(unix|tcp|ssh)/)
    const text = await cli(['status', '--config', config], {cwd: dir, env})
    expect(text.stdout).toMatch(/engine: (unix|tcp|ssh)/)
    expect(text.stdout).toMatch(/mariadb: container [0-9a-f]{12}, .*mariadb.*, health healthy/)
    const unit = (name: string) => status.units.find((u) => u.name === name)
    const mariadb = unit('mariadb')
    const services = unit('services')
    expect(mariadb).toMatchObject({kind: 'dependency', state: 'ready', health: 'healthy', image: MARIADB_IMAGE})
    expect(unit('redis')).toMatchObject({kind: 'dependency', state: 'ready'})
    // The login (mariadb's ready probe) had succeeded before services was launched.
    expect(mariadb?.readyAt).toBeLessThanOrEqual(services?.startedAt as number)
    const login = await execIn(docker, mariadb?.containerId as string, [
      'mariadb',
      '-unaaccord',
      '-ppw-e2e',
      'naaccord',
      '-e',
      'select 1',
    ])
    expect(login.code, login.output).toBe(0)

    const stopped = await cli(['stop', '--config', config], {cwd: dir, env, timeout: 60_000})
    expect(stopped.exitCode, stopped.all).toBe(0)
    const after = await listProjectContainers(docker, project)
    expect(after.map((c) => c.name).sort()).toEqual([`${project}-mariadb`, `${project}-redis`])
    expect(after.filter((c) => c.state === 'running')).toEqual([])

    const down = await cli(['down', '--config', config, '--volumes'], {cwd: dir, env, timeout: 60_000})
    expect(down.exitCode, down.all).toBe(0)
    expect(down.stdout).toContain(`${project}-mariadb`)
    expect(await listProjectContainers(docker, project)).toEqual([])
    const vols = await docker.listVolumes({filters: JSON.stringify({label: [`io.naaccord.project=${project}`]})})
    expect(vols.Volumes ?? []).toEqual([])
  })
})
