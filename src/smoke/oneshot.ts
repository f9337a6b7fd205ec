/**
 * `test-streaming --start`: start the configured web/services pair (and the servers they depend on) on free ports,
 * hand back their targets, and stop everything again, leaving nothing behind.
 *
 * Until the session's `start --detach` lands this module runs the servers itself from the plan: each in its own
 * process group (the depot's runserver forks a reloader child), ready when the contract's health says test_passed,
 * stopped with the configured signal then SIGKILL. One module, so it can be swapped for the supervisor later.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, rmSync, statSync} from 'node:fs'
import path from 'node:path'
import type {LoadedConfig} from '../config/load.js'
import {buildPlan, type Plan, type PlannedServer} from '../config/plan.js'
import {freePort, isGroupAlive, tcpConnect} from '../util/ports.js'
import {sleep} from '../util/sleep.js'
import {resolveKey, TargetError, type TargetFlags, type Targets, tlsFromFlags} from './target.js'

const TAIL_LINES = 20

export interface Started {
  targets: Targets
  plan: Plan
  stop(): Promise<void>
}

interface Running {
  unit: PlannedServer
  child: ChildProcess
  tail: string[]
  exited?: string
}

function launch(unit: PlannedServer): Running {
  const child = spawn(unit.command, unit.args, {
    cwd: unit.cwd,
    env: {...process.env, ...unit.env},
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const running: Running = {unit, child, tail: []}
  const keep = (data: Buffer) => {
    for (const line of data.toString('utf8').split('\n')) if (line.trim()) running.tail.push(line)
    if (running.tail.length > TAIL_LINES) running.tail.splice(0, running.tail.length - TAIL_LINES)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  child.on('error', (error) => {
    running.exited = `could not start ${unit.commandText}: ${error.message}`
  })
  child.on('exit', (code, signal) => {
    running.exited ??= `exited with ${signal ?? `code ${code}`}`
  })
  return running
}

async function isReady(unit: PlannedServer, key: string | undefined): Promise<boolean> {
  if (!unit.url) return true
  if (unit.role) {
    try {
      const res = await fetch(`${unit.url}/internal/storage/health`, {
        headers: key ? {'X-API-Key': key} : {},
        signal: AbortSignal.timeout(2000),
      })
      const body = (await res.json().catch(() => undefined)) as {test_passed?: boolean} | undefined
      return res.status === 200 && body?.test_passed === true
    } catch {
      return false
    }
  }
  // Within the same 2 s the HTTP check above allows.
  const host = unit.host === '0.0.0.0' ? '127.0.0.1' : unit.host
  return (await tcpConnect(host, unit.port ?? 0, 2000)).ok
}

async function waitReady(r: Running, key: string | undefined, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + r.unit.startTimeout
  for (;;) {
    if (signal?.aborted) throw new TargetError(`interrupted while ${r.unit.name} was starting`)
    if (r.exited) throw new TargetError(`${r.unit.name} ${r.exited} before it was ready:\n  ${r.tail.join('\n  ')}`)
    if (await isReady(r.unit, key)) return
    if (Date.now() > deadline)
      throw new TargetError(
        `${r.unit.name} was not ready within ${r.unit.startTimeout / 1000}s (${r.unit.url ?? 'no URL'}):\n  ${r.tail.join('\n  ')}`,
      )
    await sleep(100)
  }
}

async function stopOne(r: Running): Promise<void> {
  const pid = r.child.pid
  if (!pid || !isGroupAlive(pid)) return
  try {
    process.kill(-pid, r.unit.stopSignal)
  } catch {}
  const deadline = Date.now() + r.unit.stopTimeout
  while (isGroupAlive(pid) && Date.now() < deadline) await sleep(50)
  if (isGroupAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
    while (isGroupAlive(pid)) await sleep(20)
  }
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
  const plan = buildPlan(loaded, {only: [servicesName, webName], ports})
  const containers = plan.units.filter((u) => u.kind === 'dependency').map((u) => u.name)
  if (containers.length > 0)
    throw new TargetError(
      `--start runs servers only, and this pair needs ${containers.join(', ')}: start the session with \`naaccord start\`, then run \`naaccord test-streaming\``,
    )
  const units = plan.units.filter((u): u is PlannedServer => u.kind === 'server')
  const key = resolveKey(flags, plan)
  if (key.apiKey === undefined)
    throw new TargetError('no API key: set apiKey in the config, INTERNAL_API_KEY, or pass --api-key')
  // Folders the servers may create: removed afterwards when they did not exist before and hold no file.
  const planWeb = units.find((u) => u.role === 'web')
  const created = [
    ...new Set([plan.storageRoot, ...(planWeb?.watch ?? [])].map(topMissing).filter((d) => d !== undefined)),
  ]
  for (const dir of planWeb?.watch ?? []) mkdirSync(dir, {recursive: true})

  const running: Running[] = []
  // Last resort if this process dies without stopping them (the groups are detached, so nothing else would).
  const killOnExit = () => {
    for (const r of running) {
      try {
        if (r.child.pid) process.kill(-r.child.pid, 'SIGKILL')
      } catch {}
    }
  }
  process.once('exit', killOnExit)
  const stop = async () => {
    process.off('exit', killOnExit)
    for (const r of [...running].reverse()) await stopOne(r)
    for (const dir of created) if (existsSync(dir) && holdsNoFiles(dir)) rmSync(dir, {recursive: true, force: true})
  }
  try {
    for (const unit of units) {
      const r = launch(unit)
      running.push(r)
      await waitReady(r, key.apiKey, signal)
    }
  } catch (error) {
    await stop()
    throw error
  }
  const byRole = (role: string) => units.find((u) => u.role === role)
  return {
    plan,
    stop,
    targets: {
      web: byRole('web')?.url,
      services: byRole('services')?.url,
      ...key,
      header: flags.header ?? plan.smoke.header,
      tls: tlsFromFlags(flags),
      watch: flags.watch ?? planWeb?.watch ?? [],
      storageRoot: plan.storageRoot,
      from: 'started',
    },
  }
}
