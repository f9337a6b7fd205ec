/**
 * Cold `naaccord start --detach` with both dependencies (mariadb, redis stand-ins, fresh containers and a fresh
 * volume) and the built-in pair (services waits for mariadb: healthy), to everything ready, against the sum of
 * its parts measured alone: each container created, started and polled directly with dockerode (the same
 * readiness: mariadb's health check healthy, redis answering `redis-cli ping` by exec) and each server launched
 * directly (`naaccord serve …`, polled on its health URL). Prints both and the ratio (target ≤ 1.15). Needs the
 * build (dist/) and DOCKER_HOST. Asserts nothing.
 *
 *   npx tsx bench/deps/start.ts [rounds]
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
import {connectEngine} from '../../src/deps/engine.js'
import {removeProjectContainers} from '../../src/deps/project.js'
import {builtinConfig, cliBin, freePort, runCli, tempProject} from '../../test/helpers/index.js'

const rounds = Number(process.argv[2] ?? 1)
const MARIADB = 'localhost/naaccord-dev/mariadb:10.11'
const REDIS = 'localhost/naaccord-dev/redis:7'
const KEY = 'bench-key-0123456789abcdef'
const MARIADB_ENV = {
  MARIADB_ROOT_PASSWORD: 'root-bench',
  MARIADB_DATABASE: 'naaccord',
  MARIADB_USER: 'naaccord',
  MARIADB_PASSWORD: 'pw-bench',
}
const {docker} = await connectEngine()

const depsYaml = `dependencies:
  mariadb:
    image: ${MARIADB}
    pull: never
    ports: ["127.0.0.1:0:3306"]
    env: ${JSON.stringify(MARIADB_ENV)}
    volumes: ["data:/var/lib/mysql"]
    healthcheck: {test: [CMD, healthcheck.sh, --connect, --innodb_initialized], interval: 1s, startPeriod: 60s}
    startTimeout: 120s
  redis:
    image: ${REDIS}
    pull: never
    ports: ["127.0.0.1:0:6379"]
    ready: {exec: {command: [redis-cli, ping]}, interval: 100ms}
`

/** CPU seconds used so far by the engine's service process, when this machine says which it is (podman here). */
function engineCpu(): number | undefined {
  try {
    const pid = readFileSync('/run/naaccord-engine/podman-service.pid', 'utf8').trim()
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return undefined
  }
}
const engineSpent = async <T>(run: () => Promise<T>): Promise<[T, number | undefined]> => {
  const before = engineCpu()
  const out = await run()
  const after = engineCpu()
  return [out, before === undefined || after === undefined ? undefined : after - before]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function viaNaaccord(): Promise<number> {
  const project = `nacbench-${randomBytes(3).toString('hex')}`
  const [webPort, servicesPort] = [await freePort(), await freePort()]
  const servers = builtinConfig({webPort, servicesPort, project, key: KEY}).replace(
    '    role: services\n',
    '    role: services\n    dependsOn: {mariadb: healthy, redis: ready}\n',
  )
  const p = tempProject(`${servers}${depsYaml}`)
  const config = path.join(p.dir, 'naaccord.config.yaml')
  try {
    const t0 = performance.now()
    const res = await runCli(['start', '--detach', '--config', config], {cwd: p.dir, timeout: 300_000})
    const ms = performance.now() - t0
    if (res.exitCode !== 0) throw new Error(`naaccord start failed:\n${res.all}`)
    // naaccord's own timeline (launch and ready per unit), to see where the time went.
    if (process.env.BENCH_VERBOSE) console.log(String(res.stdout).trimEnd())
    return ms
  } finally {
    await runCli(['down', '--volumes', '--config', config], {cwd: p.dir})
    await removeProjectContainers(docker, project, {volumes: true, timeoutMs: 0})
    p.cleanup()
  }
}

async function execOk(c: Docker.Container, cmd: string[]): Promise<boolean> {
  const exec = await c.exec({Cmd: cmd, AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: false})
  stream.resume()
  await new Promise((r) => stream.on('end', r))
  return (await exec.inspect()).ExitCode === 0
}

/** One container, alone: create (+ volume), start, poll until ready. */
async function containerAlone(project: string, name: 'mariadb' | 'redis'): Promise<number> {
  const t0 = performance.now()
  const labels = {'io.naaccord.project': project}
  if (name === 'mariadb') await docker.createVolume({Name: `${project}_data`, Labels: labels})
  const c = await docker.createContainer({
    name: `${project}-${name}`,
    Image: name === 'mariadb' ? MARIADB : REDIS,
    Labels: labels,
    Env: name === 'mariadb' ? Object.entries(MARIADB_ENV).map(([k, v]) => `${k}=${v}`) : [],
    ExposedPorts: {[name === 'mariadb' ? '3306/tcp' : '6379/tcp']: {}},
    Healthcheck:
      name === 'mariadb'
        ? {
            Test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized'],
            Interval: 1e9,
            Timeout: 5e9,
            Retries: 3,
            StartPeriod: 60e9,
          }
        : undefined,
    HostConfig: {
      PortBindings: {[name === 'mariadb' ? '3306/tcp' : '6379/tcp']: [{HostIp: '127.0.0.1', HostPort: ''}]},
      Binds: name === 'mariadb' ? [`${project}_data:/var/lib/mysql`] : [],
    },
  })
  await c.start()
  for (;;) {
    if (name === 'mariadb') {
      if ((await c.inspect()).State.Health?.Status === 'healthy') break
      await sleep(200)
    } else {
      if (await execOk(c, ['redis-cli', 'ping'])) break
      await sleep(100)
    }
  }
  return performance.now() - t0
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {headers: {'X-API-Key': KEY}})
    return res.ok && ((await res.json()) as {test_passed?: boolean}).test_passed === true
  } catch {
    return false
  }
}

/** One built-in server, alone: spawn, poll its health URL every 50 ms (as the config's probe does). */
async function serverAlone(
  role: 'services' | 'web',
  servicesPort: number,
  storage: string,
): Promise<{ms: number; child: ChildProcess}> {
  const port = role === 'services' ? servicesPort : await freePort()
  const args =
    role === 'services'
      ? ['serve', 'services', '--host', '127.0.0.1', '--port', String(port), '--storage', storage]
      : ['serve', 'web', '--host', '127.0.0.1', '--port', String(port)]
  const env = {
    ...process.env,
    INTERNAL_API_KEY: KEY,
    SERVICES_URL: `http://127.0.0.1:${servicesPort}`,
    FILE_UPLOAD_TEMP_DIR: path.join(storage, 'web-tmp'),
  }
  const t0 = performance.now()
  const child = spawn(process.execPath, [cliBin, ...args], {env, stdio: 'ignore'})
  while (!(await healthy(`http://127.0.0.1:${port}/internal/storage/health`))) await sleep(50)
  return {ms: performance.now() - t0, child}
}

async function partsAlone(): Promise<{mariadb: number; redis: number; services: number; web: number}> {
  const project = `nacbench-${randomBytes(3).toString('hex')}`
  const storage = path.join(os.tmpdir(), `${project}-storage`)
  const children: ChildProcess[] = []
  try {
    const mariadb = await containerAlone(project, 'mariadb')
    const redis = await containerAlone(project, 'redis')
    const servicesPort = await freePort()
    const s = await serverAlone('services', servicesPort, storage)
    children.push(s.child)
    const w = await serverAlone('web', servicesPort, storage)
    children.push(w.child)
    return {mariadb, redis, services: s.ms, web: w.ms}
  } finally {
    for (const c of children) c.kill('SIGTERM')
    await removeProjectContainers(docker, project, {volumes: true, timeoutMs: 0})
    const {rmSync} = await import('node:fs')
    rmSync(storage, {recursive: true, force: true})
  }
}

const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`
console.log(
  `deps start benchmark: ${rounds} round(s), load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
)
const ratios: number[] = []
for (let i = 0; i < rounds; i++) {
  // Alternate the order so a slowly rising machine load does not favour one side.
  const order = i % 2 === 0 ? ['parts', 'start'] : ['start', 'parts']
  let start = 0
  let parts = {mariadb: 0, redis: 0, services: 0, web: 0}
  const engine: {start?: number; parts?: number} = {}
  for (const which of order) {
    if (which === 'start') [start, engine.start] = await engineSpent(viaNaaccord)
    else [parts, engine.parts] = await engineSpent(partsAlone)
  }
  const sum = parts.mariadb + parts.redis + parts.services + parts.web
  ratios.push(start / sum)
  console.log(
    `round ${i + 1}: naaccord start ${f(start)} | parts alone: mariadb ${f(parts.mariadb)} + redis ${f(parts.redis)} + services ${f(parts.services)} + web ${f(parts.web)} = ${f(sum)} | ratio ${(start / sum).toFixed(2)} (target ≤ 1.15)`,
  )
  if (engine.start !== undefined)
    console.log(
      `  engine (podman service) CPU, start to teardown: naaccord ${engine.start.toFixed(2)} s, parts ${engine.parts?.toFixed(2)} s`,
    )
}
if (rounds > 1) {
  const sorted = [...ratios].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  console.log(
    `ratio over ${rounds} rounds: median ${median.toFixed(2)}, range ${sorted[0].toFixed(2)}–${sorted.at(-1)?.toFixed(2)}, ${ratios.filter((r) => r <= 1.15).length} of ${rounds} rounds ≤ 1.15`,
  )
}
