/** The pure parts: port mappings, volumes, health check, config hash, engine candidates, log demultiplexing. */

import {createHash} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import type {PlannedDependency} from '../../src/config/plan.js'
import {buildPlan} from '../../src/config/plan.js'
import {Dependency} from '../../src/config/schema.js'
import {engineCandidates} from '../../src/deps/engine.js'
import {demuxBuffer, epochNs} from '../../src/deps/logs.js'
import {boundPorts, parsePort, portBindings} from '../../src/deps/ports.js'
import {configHash, createOptions, parseVolume} from '../../src/deps/spec.js'
import {repoRoot, tempDir} from '../helpers/index.js'

function dep(config: Record<string, unknown>): PlannedDependency {
  const parsed = Dependency.parse(config)
  return {
    kind: 'dependency',
    name: 'db',
    containerName: 'proj-db',
    image: parsed.image,
    pull: parsed.pull,
    ports: parsed.ports.map(parsePort),
    env: parsed.env,
    volumes: parsed.volumes,
    command: parsed.command,
    healthcheck: parsed.healthcheck,
    dependsOn: {},
    startTimeout: parsed.startTimeout,
    stopTimeout: parsed.stopTimeout,
  }
}

describe('port mappings', () => {
  it('publishes on 127.0.0.1 unless an IP is given; 0, none or a bare port mean any free port', () => {
    expect(parsePort('3306:3306')).toEqual({
      hostIp: '127.0.0.1',
      hostPort: '3306',
      containerPort: 3306,
      protocol: 'tcp',
    })
    expect(parsePort('0.0.0.0:8080:80/udp')).toEqual({
      hostIp: '0.0.0.0',
      hostPort: '8080',
      containerPort: 80,
      protocol: 'udp',
    })
    expect(parsePort('[::1]:0:5432').hostIp).toBe('::1')
    expect(parsePort('127.0.0.1:0:3306').hostPort).toBe('')
    expect(parsePort(':6379').hostPort).toBe('')
    expect(parsePort(6379)).toEqual({hostIp: '127.0.0.1', hostPort: '', containerPort: 6379, protocol: 'tcp'})
    expect(parsePort({container: 9000, hostIp: '127.0.0.1', protocol: 'tcp'}).hostPort).toBe('')
  })

  it('says which mapping is wrong', () => {
    expect(() => parsePort('1:2:3:4')).toThrow(/port "1:2:3:4"/)
    expect(() => parsePort('80/sctp')).toThrow(/tcp or udp/)
    expect(() => parsePort('x:80')).toThrow(/host port/)
    expect(() => parsePort('70000')).toThrow(/container port/)
  })

  it('builds the engine bindings and reads the bound ports back', () => {
    const b = portBindings([parsePort('127.0.0.1:0:3306'), parsePort('9000:9000')])
    expect(b.ExposedPorts).toEqual({'3306/tcp': {}, '9000/tcp': {}})
    expect(b.PortBindings['3306/tcp']).toEqual([{HostIp: '127.0.0.1', HostPort: ''}])
    expect(boundPorts({'3306/tcp': [{HostIp: '127.0.0.1', HostPort: '41234'}], '9/tcp': null})).toEqual(
      new Map([[3306, 41234]]),
    )
  })
})

describe('container spec', () => {
  it('named volumes belong to the project; paths are binds relative to the root', () => {
    expect(parseVolume('data:/var/lib/mysql', 'proj', '/root')).toEqual({
      source: 'proj_data',
      target: '/var/lib/mysql',
      readOnly: false,
      named: true,
    })
    expect(parseVolume('./init:/docker-entrypoint-initdb.d:ro', 'proj', '/r')).toMatchObject({
      source: '/r/init',
      readOnly: true,
      named: false,
    })
    expect(() => parseVolume('data', 'p', '/')).toThrow(/volume "data"/)
  })

  it('labels the container and sets the health check in nanoseconds', () => {
    const options = createOptions(
      dep({image: 'img', ports: ['0:3306'], env: {A: '1'}, healthcheck: {test: 'true', interval: '2s'}}),
      'proj',
      '/r',
    )
    expect(options.name).toBe('proj-db')
    expect(options.Labels).toMatchObject({'io.naaccord.project': 'proj', 'io.naaccord.dependency': 'db'})
    expect(options.Env).toEqual(['A=1'])
    expect(options.Healthcheck).toMatchObject({Test: ['CMD-SHELL', 'true'], Interval: 2_000_000_000})
    expect(
      createOptions(dep({image: 'i', healthcheck: {test: ['redis-cli', 'ping']}}), 'p', '/').Healthcheck?.Test,
    ).toEqual(['CMD', 'redis-cli', 'ping'])
  })

  it('the hash changes with what shapes the container, not with the ready probe or timeouts', () => {
    const base = {image: 'img', env: {A: '1', B: '2'}}
    const h = configHash(dep(base), 'p', '/')
    expect(configHash(dep({image: 'img', env: {B: '2', A: '1'}}), 'p', '/')).toBe(h)
    expect(configHash(dep({...base, startTimeout: '5s', ready: {tcp: {port: 1}}}), 'p', '/')).toBe(h)
    expect(configHash(dep({...base, env: {A: '2', B: '2'}}), 'p', '/')).not.toBe(h)
    expect(configHash(dep({...base, image: 'img2'}), 'p', '/')).not.toBe(h)
    expect(configHash(dep({...base, ports: [1]}), 'p', '/')).not.toBe(h)
  })
})

describe('the embedded default config', () => {
  it('gives valid create options for each of its dependencies (profile docker), published on 127.0.0.1', () => {
    const loaded = loadConfig({configPath: path.join(repoRoot, 'naaccord.config.yaml'), noLocal: true, env: {}})
    const plan = buildPlan(loaded, {profiles: ['docker']})
    const deps = plan.units.filter((u): u is PlannedDependency => u.kind === 'dependency')
    expect(deps.map((d) => d.name).sort()).toEqual(['flower', 'mariadb', 'minio', 'redis'])
    for (const d of deps) {
      const o = createOptions(d, plan.project, plan.root)
      for (const bindings of Object.values(o.HostConfig?.PortBindings ?? {}))
        for (const b of bindings as {HostIp: string}[]) expect(b.HostIp).toBe('127.0.0.1')
    }
    const mariadb = deps.find((d) => d.name === 'mariadb') as PlannedDependency
    // The stand-in image's healthcheck.sh takes these arguments too.
    expect(createOptions(mariadb, 'p', '/').Healthcheck?.Test).toEqual([
      'CMD',
      'healthcheck.sh',
      '--connect',
      '--innodb_initialized',
    ])
  })
})

describe('engine candidates', () => {
  const t = tempDir()
  afterAll(t.cleanup)

  it('DOCKER_HOST alone when set: unix, tcp, TLS from DOCKER_TLS_VERIFY, ssh', () => {
    expect(engineCandidates({DOCKER_HOST: 'unix:///x.sock'})).toMatchObject([
      {endpoint: 'unix:///x.sock', options: {socketPath: '/x.sock'}},
    ])
    expect(engineCandidates({DOCKER_HOST: 'tcp://h:2375'})[0].options).toMatchObject({
      protocol: 'http',
      host: 'h',
      port: '2375',
    })
    mkdirSync(path.join(t.dir, 'certs'))
    writeFileSync(path.join(t.dir, 'certs', 'ca.pem'), 'CA')
    const tls = engineCandidates({
      DOCKER_HOST: 'tcp://h:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: path.join(t.dir, 'certs'),
    })
    expect(tls[0].options).toMatchObject({protocol: 'https', port: '2376'})
    expect(String(tls[0].options.ca)).toBe('CA')
    expect(engineCandidates({DOCKER_HOST: 'ssh://me@box'})[0].options).toMatchObject({
      protocol: 'ssh',
      username: 'me',
      host: 'box',
    })
  })

  it('the Docker CLI current context, else the usual sockets', () => {
    const config = path.join(t.dir, 'docker')
    const id = createHash('sha256').update('remote').digest('hex')
    mkdirSync(path.join(config, 'contexts', 'meta', id), {recursive: true})
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({currentContext: 'remote'}))
    writeFileSync(
      path.join(config, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({Name: 'remote', Endpoints: {docker: {Host: 'unix:///ctx.sock'}}}),
    )
    expect(engineCandidates({DOCKER_CONFIG: config, HOME: t.dir})).toMatchObject([
      {endpoint: 'unix:///ctx.sock', source: 'context remote'},
    ])
    const sockets = engineCandidates({HOME: t.dir, XDG_RUNTIME_DIR: '/run/user/7'}).map((c) => c.endpoint)
    expect(sockets).toEqual([
      'unix:///var/run/docker.sock',
      `unix://${t.dir}/.docker/run/docker.sock`,
      'unix:///run/podman/podman.sock',
      'unix:///run/user/7/podman/podman.sock',
      'unix:///run/user/7/docker.sock',
    ])
  })
})

describe('log frames', () => {
  it('demultiplexes 8-byte framed output into lines per stream, keeping partial lines', () => {
    const frame = (kind: number, text: string) => {
      const body = Buffer.from(text)
      const head = Buffer.alloc(8)
      head[0] = kind
      head.writeUInt32BE(body.length, 4)
      return Buffer.concat([head, body])
    }
    const buf = Buffer.concat([frame(1, 'a\nb'), frame(2, 'err\n'), frame(1, 'c\n')])
    expect(demuxBuffer(buf)).toEqual([
      {stream: 'stdout', line: 'a'},
      {stream: 'stderr', line: 'err'},
      {stream: 'stdout', line: 'bc'},
    ])
  })

  it('orders timestamps with and without fractions', () => {
    expect(epochNs('2026-01-01T00:00:00.5Z') as bigint).toBeGreaterThan(epochNs('2026-01-01T00:00:00Z') as bigint)
    expect(epochNs('2026-01-01T00:00:01Z') as bigint).toBeGreaterThan(
      epochNs('2026-01-01T00:00:00.999999999Z') as bigint,
    )
  })
})
