/**
 * Finding the container engine, in the Docker CLI's order: DOCKER_HOST (unix, tcp with TLS from DOCKER_TLS_VERIFY /
 * DOCKER_CERT_PATH, ssh), else the current Docker context (DOCKER_CONTEXT or the CLI config's currentContext), else
 * the usual sockets (Docker's, rootful and rootless Podman's). An explicit choice (DOCKER_HOST or a named context)
 * is the only candidate: falling back silently to another engine would start containers somewhere unexpected.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
// The value through deps/dockerode.ts: dockerode without loading its ssh and BuildKit parts until used.
import DockerClient from './dockerode.js'

export interface EngineCandidate {
  /** unix:///path, tcp://host:port or ssh://user@host, as shown to the user. */
  endpoint: string
  /** Where it came from: DOCKER_HOST, `context <name>`, or `default socket`. */
  source: string
  options: Docker.DockerOptions
}

export interface EngineAttempt {
  endpoint: string
  source: string
  error: string
}

export interface EngineConnection {
  docker: Docker
  endpoint: string
  source: string
  apiVersion?: string
  /** e.g. "Podman 4.3.1" or "Docker (Docker/27.1.1 (linux))". */
  version?: string
  /** Candidates tried before this one, with why they failed. */
  tried: EngineAttempt[]
}

export class EngineUnreachableError extends Error {
  constructor(readonly tried: EngineAttempt[]) {
    super(
      [
        'no container engine reachable; tried:',
        ...tried.map((t) => `  ${t.endpoint} (${t.source}): ${t.error}`),
        tried.some((t) => t.source === 'DOCKER_HOST')
          ? 'fix: start the engine behind DOCKER_HOST, or unset DOCKER_HOST to use the current context / default socket'
          : 'fix: start Docker (or `podman system service --time=0 &`), then export DOCKER_HOST=unix:///path/to/docker.sock',
      ].join('\n'),
    )
    this.name = 'EngineUnreachableError'
  }
}

// docker-modem merges DOCKER_HOST's settings under whatever options it is given: every key is set explicitly so
// that a candidate is exactly what it says (a socket candidate must not turn into DOCKER_HOST's tcp host).
const BLANK: Docker.DockerOptions = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
  username: undefined,
}

function unixCandidate(socketPath: string, source: string): EngineCandidate {
  return {endpoint: `unix://${socketPath}`, source, options: {...BLANK, socketPath}}
}

/** A `tcp://`, `unix://` or `ssh://` host string, with TLS from a cert folder when asked. */
export function candidateFromHost(
  host: string,
  source: string,
  tls: {verify: boolean; certDir?: string} = {verify: false},
): EngineCandidate {
  if (host.startsWith('unix://')) return unixCandidate(host.slice('unix://'.length) || '/var/run/docker.sock', source)
  if (host.startsWith('/')) return unixCandidate(host, source)
  const url = new URL(host.includes('://') ? host : `tcp://${host}`)
  if (url.protocol === 'ssh:') {
    return {
      endpoint: `ssh://${url.username ? `${url.username}@` : ''}${url.host}`,
      source,
      options: {
        ...BLANK,
        protocol: 'ssh',
        host: url.hostname,
        port: url.port || 22,
        username: url.username || undefined,
        sshOptions: {agent: process.env.SSH_AUTH_SOCK},
      } as Docker.DockerOptions,
    }
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${source}: unsupported engine address ${host} (expected unix://, tcp:// or ssh://)`)
  const https = tls.verify || url.protocol === 'https:' || url.port === '2376'
  const options: Docker.DockerOptions = {
    ...BLANK,
    host: url.hostname,
    port: url.port || (https ? 2376 : 2375),
    protocol: https ? 'https' : 'http',
  }
  if (tls.certDir) {
    const read = (name: string) => readFileSync(path.join(tls.certDir as string, name))
    for (const [key, file] of [
      ['ca', 'ca.pem'],
      ['cert', 'cert.pem'],
      ['key', 'key.pem'],
    ] as const)
      if (existsSync(path.join(tls.certDir, file))) options[key] = read(file)
  }
  return {endpoint: `${https ? 'tcp+tls' : 'tcp'}://${url.host}`, source, options}
}

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker')
}

/** The Docker CLI's current context, when it names one other than `default`: its endpoint and TLS files. */
export function contextCandidate(env: NodeJS.ProcessEnv): EngineCandidate | undefined {
  const dir = dockerConfigDir(env)
  let name = env.DOCKER_CONTEXT?.trim()
  if (!name) {
    try {
      name = (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as {currentContext?: string})
        .currentContext
    } catch {
      return undefined
    }
  }
  if (!name || name === 'default') return undefined
  // The CLI stores each context under the SHA-256 of its name.
  const id = createHash('sha256').update(name).digest('hex')
  const source = `context ${name}`
  let meta: {Endpoints?: {docker?: {Host?: string; SkipTLSVerify?: boolean}}}
  try {
    meta = JSON.parse(readFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), 'utf8'))
  } catch (error) {
    throw new Error(
      `Docker context "${name}" is selected (${env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : `${dir}/config.json`}) but its metadata cannot be read: ${(error as Error).message}`,
    )
  }
  const host = meta.Endpoints?.docker?.Host
  if (!host) throw new Error(`Docker context "${name}" has no docker endpoint`)
  const certDir = path.join(dir, 'contexts', 'tls', id, 'docker')
  const hasTls = existsSync(path.join(certDir, 'ca.pem')) || existsSync(path.join(certDir, 'cert.pem'))
  return candidateFromHost(host, source, {verify: hasTls, certDir: hasTls ? certDir : undefined})
}

export function defaultSockets(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || os.homedir()
  const runtime = env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`
  return [
    '/var/run/docker.sock',
    path.join(home, '.docker', 'run', 'docker.sock'),
    '/run/podman/podman.sock',
    path.join(runtime, 'podman', 'podman.sock'),
    path.join(runtime, 'docker.sock'),
  ]
}

/** Every endpoint to try, in order. */
export function engineCandidates(env: NodeJS.ProcessEnv = process.env): EngineCandidate[] {
  const host = env.DOCKER_HOST?.trim()
  if (host) {
    const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0'
    const certDir = env.DOCKER_CERT_PATH || (verify ? dockerConfigDir(env) : undefined)
    return [candidateFromHost(host, 'DOCKER_HOST', {verify, certDir})]
  }
  const context = contextCandidate(env)
  if (context) return [context]
  return [...new Set(defaultSockets(env))].map((s) => unixCandidate(s, 'default socket'))
}

/**
 * GET /_ping on a Unix socket, the version read from its headers: podman answers /version only after ~0.8 s (it
 * gathers host details) but /_ping in ~2 ms, and Docker and podman both send API-Version and Server there.
 */
function pingUnix(socketPath: string, timeoutMs: number): Promise<{apiVersion?: string; version?: string}> {
  return new Promise((resolve, reject) => {
    const req = http.get({socketPath, path: '/_ping', timeout: timeoutMs}, (res) => {
      res.resume()
      if (res.statusCode !== 200) return reject(new Error(`/_ping answered HTTP ${res.statusCode}`))
      const server = res.headers.server
      const version = /libpod/i.test(String(server))
        ? `Podman ${res.headers['libpod-api-version'] ?? ''}`.trim()
        : `Docker${server ? ` (${server})` : ''}`
      resolve({apiVersion: res.headers['api-version'] as string | undefined, version})
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)))
    req.on('error', reject)
  })
}

async function tryCandidate(c: EngineCandidate, timeoutMs: number): Promise<EngineConnection> {
  // No client timeout: pulls, waits and followed logs are long requests. Pings carry their own.
  const docker = new DockerClient(c.options)
  if (c.options.socketPath) {
    const socketPath = c.options.socketPath as string
    if (!existsSync(socketPath)) throw new Error('no such socket')
    return {docker, endpoint: c.endpoint, source: c.source, ...(await pingUnix(socketPath, timeoutMs)), tried: []}
  }
  const timer = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs).unref(),
  )
  const v = await Promise.race([docker.version(), timer])
  return {
    docker,
    endpoint: c.endpoint,
    source: c.source,
    apiVersion: v.ApiVersion,
    version: `${v.Components?.[0]?.Name ?? 'Engine'} ${v.Version}`,
    tried: [],
  }
}

export interface ConnectOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/** The first reachable engine; throws EngineUnreachableError naming everything tried and the fix. */
export async function connectEngine(options: ConnectOptions = {}): Promise<EngineConnection> {
  const env = options.env ?? process.env
  const timeoutMs = options.timeoutMs ?? 3000
  const tried: EngineAttempt[] = []
  let candidates: EngineCandidate[]
  try {
    candidates = engineCandidates(env)
  } catch (error) {
    throw new EngineUnreachableError([
      {endpoint: env.DOCKER_HOST || 'Docker context', source: 'config', error: (error as Error).message},
    ])
  }
  for (const c of candidates) {
    try {
      const conn = await tryCandidate(c, timeoutMs)
      return {...conn, tried}
    } catch (error) {
      tried.push({endpoint: c.endpoint, source: c.source, error: (error as Error).message})
    }
  }
  throw new EngineUnreachableError(tried)
}

export interface EngineDescription {
  reachable: boolean
  endpoint?: string
  source?: string
  version?: string
  apiVersion?: string
  tried: EngineAttempt[]
  /** The whole error, with the fix, when unreachable. */
  error?: string
}

/** For status and doctor: which engine would be used, without throwing. */
export async function describeEngine(options: ConnectOptions = {}): Promise<EngineDescription> {
  try {
    const c = await connectEngine(options)
    return {
      reachable: true,
      endpoint: c.endpoint,
      source: c.source,
      version: c.version,
      apiVersion: c.apiVersion,
      tried: c.tried,
    }
  } catch (error) {
    const tried = error instanceof EngineUnreachableError ? error.tried : []
    return {reachable: false, tried, error: (error as Error).message}
  }
}
