/** Shared by the deps tests: the real engine (or why not), per-test projects, plans and cleanup by label. */
import {randomBytes} from 'node:crypto'
import type Docker from 'dockerode'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan, type Plan} from '../../src/config/plan.js'
import {connectEngine} from '../../src/deps/engine.js'
import {removeProjectContainers} from '../../src/deps/project.js'
import type {UnitStatus} from '../../src/session/protocol.js'
import type {UnitHooks} from '../../src/supervisor/unit.js'
import {tempProject} from '../helpers/index.js'

export const REDIS_IMAGE = 'localhost/naaccord-dev/redis:7'
export const MARIADB_IMAGE = 'localhost/naaccord-dev/mariadb:10.11'

/** The engine, or undefined when none answers (the tests then skip with one line). */
export const engine: Docker | undefined = await connectEngine({timeoutMs: 2000}).then(
  (c) => c.docker,
  () => undefined,
)
export const NO_ENGINE = '(no container engine reachable: set DOCKER_HOST)'

export function uniqueProject(tag: string): string {
  return `nacdt-${tag}-${randomBytes(3).toString('hex')}`
}

/** Redis and MariaDB on the local stand-in images, random host ports, quick health checks. */
export function depsYaml(opts: {mariadbEnv?: Record<string, string>; redisReady?: string} = {}): string {
  const env = {
    MARIADB_ROOT_PASSWORD: 'root-pw-test',
    MARIADB_DATABASE: 'naaccord',
    MARIADB_USER: 'naaccord',
    MARIADB_PASSWORD: 'naaccord-pw-test',
    ...opts.mariadbEnv,
  }
  return `dependencies:
  mariadb:
    image: ${MARIADB_IMAGE}
    pull: never
    ports: ["127.0.0.1:0:3306"]
    env:
${Object.entries(env)
  .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)
  .join('\n')}
    volumes: ["mariadb-data:/var/lib/mysql"]
    healthcheck:
      test: [CMD, healthcheck.sh, --connect, --innodb_initialized]
      interval: 1s
      timeout: 5s
      retries: 10
      startPeriod: 60s
    startTimeout: 60s
    stopTimeout: 5s
  redis:
    image: ${REDIS_IMAGE}
    pull: never
    ports: [6379]
    ready:
${opts.redisReady ?? '      exec: {command: [redis-cli, ping]}\n      interval: 100ms'}
    startTimeout: 30s
    stopTimeout: 2s
`
}

export function projectWith(project: string, body: string): {dir: string; cleanup: () => void; plan: () => Plan} {
  const t = tempProject(`project: ${project}\napiKey: test-key-0123456789abcdef\n${body}`)
  return {
    ...t,
    plan: () => buildPlan(loadConfig({configPath: `${t.dir}/naaccord.config.yaml`, noLocal: true}), {profiles: []}),
  }
}

/** Hooks that record what a runner reports. */
export function recordingHooks(): UnitHooks & {
  lines: {stream: string; line: string}[]
  status: Partial<UnitStatus>
} {
  const lines: {stream: string; line: string}[] = []
  const status: Partial<UnitStatus> = {}
  return {
    lines,
    status,
    log: (stream, line) => lines.push({stream, line}),
    update: (patch) => Object.assign(status, patch),
  }
}

export async function cleanupProject(project: string): Promise<void> {
  if (engine) await removeProjectContainers(engine, project, {volumes: true, timeoutMs: 0})
}

/** Runs a command inside a container; resolves with its exit code and output. */
export async function execIn(docker: Docker, id: string, cmd: string[]): Promise<{code: number; output: string}> {
  const exec = await docker.getContainer(id).exec({Cmd: cmd, AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: false})
  const {PassThrough} = await import('node:stream')
  const out = new PassThrough()
  let output = ''
  out.on('data', (c: Buffer) => {
    output += c.toString('utf8')
  })
  docker.modem.demuxStream(stream, out, out)
  await new Promise<void>((resolve) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
  })
  const info = await exec.inspect()
  return {code: info.ExitCode ?? -1, output}
}

/** The built CLI with string results (runCli's execa types are wide), never throwing on a non-zero exit. */
export async function cli(
  args: string[],
  options: {cwd: string; env?: NodeJS.ProcessEnv; timeout?: number},
): Promise<{exitCode: number | undefined; stdout: string; all: string}> {
  const {runCli} = await import('../helpers/index.js')
  const r = await runCli(args, {
    cwd: options.cwd,
    env: options.env ?? {...process.env, NO_COLOR: '1'},
    timeout: options.timeout,
  })
  return {exitCode: r.exitCode, stdout: String(r.stdout), all: String(r.all)}
}
