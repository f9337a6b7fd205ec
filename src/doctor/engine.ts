/**
 * Finds the container engine the way the depot's tools do: DOCKER_HOST when set (and only it: an explicit
 * choice must not be papered over by a fallback), otherwise the usual Docker and podman sockets.
 *
 * The deps engineer is writing `connectEngine()` in src/deps; once it lands this should delegate to it.
 */
import {existsSync} from 'node:fs'
import http from 'node:http'
import Docker from 'dockerode'

export interface EngineConnection {
  docker: Docker
  /** unix:///path or tcp://host:port, as shown to the user. */
  endpoint: string
  apiVersion?: string
  version?: string
  /** Every endpoint tried, with why it failed. */
  tried: {endpoint: string; error: string}[]
}

function defaultSockets(env: NodeJS.ProcessEnv): string[] {
  const out = ['/var/run/docker.sock', '/run/podman/podman.sock']
  if (env.XDG_RUNTIME_DIR) out.push(`${env.XDG_RUNTIME_DIR}/podman/podman.sock`, `${env.XDG_RUNTIME_DIR}/docker.sock`)
  if (env.HOME) out.push(`${env.HOME}/.docker/run/docker.sock`)
  return out
}

/**
 * GET /_ping on a Unix socket, reading the version from its headers: podman answers /version only after ~0.8 s
 * (it gathers host details), /_ping in ~2 ms, and Docker and podman both send API-Version and Server there.
 */
function pingUnix(socketPath: string, timeoutMs: number): Promise<{apiVersion?: string; version?: string}> {
  return new Promise((resolve, reject) => {
    const req = http.get({socketPath, path: '/_ping', timeout: timeoutMs}, (res) => {
      res.resume()
      if (res.statusCode !== 200) return reject(new Error(`/_ping answered HTTP ${res.statusCode}`))
      const server = res.headers.server
      const engine = /libpod/i.test(String(server))
        ? `Podman ${res.headers['libpod-api-version'] ?? ''}`.trim()
        : `Docker${server ? ` (${server})` : ''}`
      resolve({apiVersion: res.headers['api-version'] as string | undefined, version: engine})
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)))
    req.on('error', reject)
  })
}

function clientFor(endpoint: string, timeoutMs: number): Docker {
  if (endpoint.startsWith('unix://')) return new Docker({socketPath: endpoint.slice(7), timeout: timeoutMs})
  const url = new URL(endpoint)
  return new Docker({
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 2376 : 2375),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    timeout: timeoutMs,
  })
}

export async function connectEngine(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 3000,
): Promise<EngineConnection | {tried: EngineConnection['tried']}> {
  const explicit = env.DOCKER_HOST?.trim()
  const candidates = explicit
    ? [explicit.replace(/^tcp:\/\//, 'http://')]
    : defaultSockets(env)
        .filter((s) => existsSync(s))
        .map((s) => `unix://${s}`)
  const tried: EngineConnection['tried'] = []
  if (!explicit && candidates.length === 0)
    tried.push({endpoint: defaultSockets(env).join(', '), error: 'no such socket'})
  for (const endpoint of candidates) {
    try {
      const docker = clientFor(endpoint, timeoutMs)
      if (endpoint.startsWith('unix://'))
        return {docker, endpoint, ...(await pingUnix(endpoint.slice(7), timeoutMs)), tried}
      const v = await docker.version()
      return {
        docker,
        endpoint,
        apiVersion: v.ApiVersion,
        version: `${v.Components?.[0]?.Name ?? 'Engine'} ${v.Version}`,
        tried,
      }
    } catch (error) {
      tried.push({endpoint, error: (error as Error).message})
    }
  }
  return {tried}
}

const perContext = new WeakMap<object, ReturnType<typeof connectEngine>>()
/** One connection attempt per doctor run, shared by the engine and image checks. */
export function engineFor(ctx: {env: NodeJS.ProcessEnv}): ReturnType<typeof connectEngine> {
  let conn = perContext.get(ctx)
  if (!conn) {
    conn = connectEngine(ctx.env)
    perContext.set(ctx, conn)
  }
  return conn
}
