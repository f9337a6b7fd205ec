/**
 * `test-streaming --start`: run a real session (the supervisor, in this process) of the configured web/services
 * pair and what they depend on, on free ports, with the config's probes and start order; hand back its targets;
 * stop it with the session's own verified stop. Its state folder is a throw-away one in the temp dir, so the
 * project keeps no `.naaccord/` from the run.
 *
 * Ready means what the contract says: `health` answers 200 with `test_passed: true`. A role server the config
 * gives a probe keeps it; one without gets that contract probe for this run (instead of `start`'s default, an open
 * port): the smoke suite must not test a pair the contract does not call ready, and with the probe in the plan
 * `dependsOn: {services: ready}` waits for it too. `naaccord start` keeps its own default.
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type {LoadedConfig} from '../config/load.js'
import {buildPlan, type Plan, type PlannedServer, type PlannedUnit} from '../config/plan.js'
import type {ProbeConfig} from '../config/schema.js'
import {type Session, SessionStartError, startSession} from '../session/session.js'
import {sessionKey, TargetError, type TargetFlags, type Targets, tlsFromFlags} from './target.js'

const TAIL_LINES = 20

export interface Started {
  targets: Targets
  plan: Plan
  /** Stops the session and removes what the run created; returns one line per thing left behind. */
  stop(): Promise<string[]>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** The contract's readiness: GET health with the key answers 200 and `test_passed: true`. */
export function contractProbe(url: string, header: string, key: string | undefined): ProbeConfig {
  return {
    http: {
      url: `${url}/internal/storage/health`,
      method: 'GET',
      status: 200,
      json: {test_passed: true},
      headers: key ? {[header]: key} : {},
    },
    interval: 100,
    // Web's health answers test_passed:false only after its client's retries (~18 s) when services is broken.
    timeout: 25_000,
    retries: 0,
    startPeriod: 0,
  }
}

/** Role servers with a port and no probe of their own get the contract's (when there is a key to send). */
export function withContractReadiness(
  plan: Plan,
  loaded: LoadedConfig,
  header: string,
  key: string | undefined,
): PlannedUnit[] {
  return plan.units.map((u) =>
    u.kind === 'server' && u.role && u.url && key !== undefined && !loaded.config.servers[u.name]?.ready
      ? {...u, ready: contractProbe(u.url, header, key)}
      : u,
  )
}

/** True when the tree holds no file (only empty folders), so removing it loses nothing. */
function holdsNoFiles(dir: string): boolean {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name)
    if (!statSync(full).isDirectory() || !holdsNoFiles(full)) return false
  }
  return true
}

/** The highest folder on the way to `dir` that does not exist yet (what creating `dir` would create). */
function topMissing(dir: string): string | undefined {
  if (existsSync(dir)) return undefined
  let top = dir
  while (!existsSync(path.dirname(top))) top = path.dirname(top)
  return top
}

function aborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return
    const fire = () => reject(new Error('aborted'))
    if (signal.aborted) fire()
    else signal.addEventListener('abort', fire, {once: true})
  })
}

export async function startPair(loaded: LoadedConfig, flags: TargetFlags, signal?: AbortSignal): Promise<Started> {
  const servers = Object.entries(loaded.config.servers)
  const webName = servers.find(([, s]) => s.role === 'web')?.[0]
  const servicesName = servers.find(([, s]) => s.role === 'services')?.[0]
  if (!webName || !servicesName)
    throw new TargetError(
      `${loaded.file} has no ${webName ? 'services' : 'web'} server (a server with role: ${webName ? 'services' : 'web'})`,
    )
  const ports: Record<string, number> = {}
  for (const [name, s] of servers) if (s.port !== undefined) ports[name] = await freePort()
  const base = buildPlan(loaded, {only: [servicesName, webName], ports})
  // The key the servers get (the config's, else the INTERNAL_API_KEY they inherit), which their probes use; the
  // checks use --api-key instead when given (to see a wrong key refused).
  const serversKey = base.apiKey.value ?? process.env.INTERNAL_API_KEY
  const key = sessionKey(flags, serversKey, base)
  if (key.apiKey === undefined)
    throw new TargetError('no API key: set apiKey in the config, INTERNAL_API_KEY, or pass --api-key')
  const header = flags.header ?? base.smoke.header
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'naaccord-smoke-'))
  const plan: Plan = {...base, stateDir, units: withContractReadiness(base, loaded, header, serversKey)}
  const units = plan.units.filter((u): u is PlannedServer => u.kind === 'server')
  const planWeb = units.find((u) => u.role === 'web')
  // Folders the servers may create: removed afterwards when they did not exist before and hold no file.
  const created = [
    ...new Set([plan.storageRoot, ...(planWeb?.watch ?? [])].map(topMissing).filter((d) => d !== undefined)),
  ]
  const removeCreated = () => {
    rmSync(stateDir, {recursive: true, force: true})
    for (const dir of created) if (existsSync(dir) && holdsNoFiles(dir)) rmSync(dir, {recursive: true, force: true})
  }
  for (const dir of planWeb?.watch ?? []) mkdirSync(dir, {recursive: true})

  // Each unit's last lines, to show why one did not become ready.
  const tails = new Map<string, string[]>()
  const keep = (unit: string, line: string) => {
    const tail = tails.get(unit) ?? []
    tail.push(line)
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES)
    tails.set(unit, tail)
  }
  let session: Session
  try {
    session = await startSession(plan, {
      onEvent: (e) => {
        if (e.type === 'log' && e.log.stream !== 'system' && e.log.line.trim()) keep(e.log.unit, e.log.line)
      },
    })
  } catch (error) {
    removeCreated()
    if (error instanceof SessionStartError) throw new TargetError(`--start: ${error.message}`)
    throw error
  }
  // Last resort if this process dies without stopping it (the groups are detached, so nothing else would).
  const killOnExit = () => {
    session.forceKill()
    rmSync(stateDir, {recursive: true, force: true})
  }
  process.once('exit', killOnExit)
  const stop = async () => {
    const report = await session.stop()
    process.off('exit', killOnExit)
    removeCreated()
    return report.problems
  }
  try {
    await Promise.race([session.ready, aborted(signal)])
  } catch (error) {
    const status = session.status().units
    await stop()
    if (signal?.aborted) {
      const waiting = status.filter((u) => u.state !== 'ready').map((u) => u.name)
      throw new TargetError(`interrupted while ${waiting.join(', ') || 'the pair'} was starting`)
    }
    // The supervisor names the unit that failed first: "services: exited with code 3 (…)".
    const message = (error as Error).message
    const failed = status.find((u) => message.startsWith(`${u.name}: `))
    const tail = failed ? (tails.get(failed.name) ?? []) : []
    const why = failed ? `${failed.name} did not become ready: ${message.slice(failed.name.length + 2)}` : message
    throw new TargetError(`${why}${tail.length ? `; its last output:\n  ${tail.join('\n  ')}` : ''}`)
  }
  const byRole = (role: string) => units.find((u) => u.role === role)
  return {
    plan,
    stop,
    targets: {
      web: byRole('web')?.url,
      services: byRole('services')?.url,
      ...key,
      header,
      tls: tlsFromFlags(flags),
      watch: flags.watch ?? planWeb?.watch ?? [],
      storageRoot: plan.storageRoot,
      from: 'started',
    },
  }
}
