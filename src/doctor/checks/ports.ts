/**
 * Every configured port is free, or held by this project's running session. Otherwise: who holds it (pid and
 * command line) and, for a leftover of a tmux session or an orphan of this project's crashed session, the exact
 * command that stops it.
 */
import {readlinkSync} from 'node:fs'
import type {PlannedUnit} from '../../config/plan.js'
import type {DependencyConfig} from '../../config/schema.js'
import {parsePort} from '../../deps/ports.js'
import type {SessionInfo} from '../../session/client.js'
import {findPortHolder, isPortFree, type PortHolder} from '../../util/ports.js'
import {ancestry, readStat} from '../../util/procfs.js'
import {tmuxOwner} from '../tmux.js'
import {type Check, type CheckResult, type DoctorContext, result} from '../types.js'

const ID = 'ports'

export interface ConfiguredPort {
  unit: string
  port: number
  host: string
  /** Where to change it, for the message. */
  field: string
}

/** Host ports a dependency publishes, read by src/deps' own parser ("3306:3306" is published on 127.0.0.1). */
export function dependencyHostPorts(mapping: DependencyConfig['ports'][number]): {port: number; host: string}[] {
  try {
    const spec = parsePort(mapping)
    // No host port: the engine picks a free one, nothing to check.
    return spec.hostPort === '' ? [] : [{port: Number(spec.hostPort), host: spec.hostIp}]
  } catch {
    return []
  }
}

export function configuredPorts(units: PlannedUnit[]): ConfiguredPort[] {
  const out: ConfiguredPort[] = []
  for (const unit of units) {
    if (unit.kind === 'server') {
      if (unit.port !== undefined)
        out.push({unit: unit.name, port: unit.port, host: unit.host, field: `servers.${unit.name}.port`})
    } else {
      // Parsed at plan time; no host port: the engine picks a free one, nothing to check.
      for (const [i, spec] of unit.ports.entries())
        if (spec.hostPort !== '')
          out.push({
            unit: unit.name,
            port: Number(spec.hostPort),
            host: spec.hostIp,
            field: `dependencies.${unit.name}.ports[${i}]`,
          })
    }
  }
  return out
}

function ownedByRunningSession(session: SessionInfo, holderPid: number | undefined, unitName: string): boolean {
  if (session.state !== 'running') return false
  const unit = session.status?.units.find((u) => u.name === unitName)
  if (holderPid === undefined) {
    // A container's published port is held by the engine's proxy (or by nothing we can see).
    return unit?.kind === 'dependency' && unit.state !== 'stopped' && unit.state !== 'exited'
  }
  const chain = ancestry(holderPid)
  const pgids = new Set(session.status?.units.map((u) => u.pgid ?? u.pid).filter(Boolean))
  return chain.some((p) => p.pid === session.supervisorPid) || pgids.has(readStat(holderPid)?.pgid)
}

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`)
  } catch {
    return undefined
  }
}

/**
 * A server of this very config, running with no session that knows it: same command line and working folder
 * as the plan gives one of its servers. The fix stops its whole group when it leads one (runserver's
 * autoreloader parent and child together), otherwise the process.
 */
function strayServer(units: PlannedUnit[], holder: PortHolder): {unit: string; fix: string} | undefined {
  const cwd = cwdOf(holder.pid)
  const unit = units.find(
    (u) => u.kind === 'server' && u.cwd === cwd && [u.command, ...u.args].join(' ') === holder.command,
  )
  if (!unit) return undefined
  const pgid = readStat(holder.pid)?.pgid
  const leader = pgid ? readStat(pgid) : undefined
  const ownGroup = readStat(process.pid)?.pgid
  const fix = leader && pgid !== ownGroup && cwdOf(pgid as number) === cwd ? `kill -- -${pgid}` : `kill ${holder.pid}`
  return {unit: unit.name, fix}
}

async function checkPort(ctx: DoctorContext, p: ConfiguredPort, session: SessionInfo): Promise<CheckResult> {
  const subject = `${p.unit}:${p.port}`
  if (await isPortFree(p.port, p.host)) return result(ID, 'ok', `${p.unit}: port ${p.port} is free`, {subject})
  const holder = findPortHolder(p.port)
  if (ownedByRunningSession(session, holder?.pid, p.unit))
    return result(ID, 'ok', `${p.unit}: port ${p.port} is held by this project's running session`, {
      subject,
      detail: holder ? [`pid ${holder.pid}: ${holder.command}`] : undefined,
    })
  const moveIt = `or give ${p.unit} another port (${p.field}) in naaccord.local.yaml`
  if (!holder)
    return result(ID, 'error', `${p.unit}: port ${p.port} is in use by a process naaccord cannot see`, {
      subject,
      detail: [
        'another user, another network namespace or a container holds it',
        `find it with: ss -ltnp 'sport = :${p.port}'`,
        moveIt,
      ],
    })
  const detail = [`pid ${holder.pid}: ${holder.command}`]
  const pgid = readStat(holder.pid)?.pgid
  const orphan = session.state === 'stale' ? session.orphans.find((o) => o.pgid === pgid) : undefined
  if (orphan)
    return result(
      ID,
      'error',
      `${p.unit}: port ${p.port} is held by an orphan of this project's crashed session (${orphan.unit})`,
      {subject, detail, fix: 'naaccord doctor --fix'},
    )
  const tmux = await tmuxOwner(holder.pid, ctx.env)
  if (tmux)
    return result(
      ID,
      'error',
      tmux.ownSession
        ? `${p.unit}: port ${p.port} is held by a process in a pane of this tmux session (${tmux.session})`
        : `${p.unit}: port ${p.port} is held by a leftover of tmux session ${tmux.session ?? `(server pid ${tmux.serverPid})`}`,
      {subject, detail, fix: tmux.stopCommand},
    )
  const stray = strayServer(ctx.plan?.units ?? [], holder)
  if (stray)
    return result(
      ID,
      'error',
      `${p.unit}: port ${p.port} is held by this project's ${stray.unit} server, running outside any session`,
      {subject, detail: [...detail, 'started by hand, or left by a session whose state is gone'], fix: stray.fix},
    )
  return result(ID, 'error', `${p.unit}: port ${p.port} is in use by another program`, {
    subject,
    detail: [...detail, `stop it (kill ${holder.pid}) ${moveIt}`],
    fix: `kill ${holder.pid}`,
  })
}

export const portsCheck: Check = {
  id: ID,
  title: 'Ports',
  needsConfig: true,
  async run(ctx) {
    const ports = configuredPorts(ctx.plan?.units ?? [])
    if (ports.length === 0) return result(ID, 'ok', 'no ports configured')
    const session = await ctx.session()
    return Promise.all(ports.map((p) => checkPort(ctx, p, session)))
  },
}
