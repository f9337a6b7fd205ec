/**
 * Shared by the checks that only make sense while a session runs: the running session's URL for a server
 * (it may run on other ports than the config's, e.g. under test-streaming --start) and the key it was given,
 * and a role's health call on it.
 */
import type {PlannedServer} from '../../config/plan.js'
import type {SessionInfo} from '../../session/client.js'
import {maskSecretsIn} from '../../util/mask.js'
import {getHealth, type Health} from '../health.js'
import {type CheckResult, type ConfiguredContext, result} from '../types.js'
import {receivedKey} from './api-key.js'

export interface RunningServer {
  unit: PlannedServer
  url: string | undefined
  key: string | undefined
}

export function runningServer(
  ctx: ConfiguredContext,
  info: SessionInfo,
  role: 'web' | 'services',
): RunningServer | undefined {
  const unit = ctx.plan.units.find((u): u is PlannedServer => u.kind === 'server' && u.role === role)
  if (!unit) return undefined
  const status = info.status?.units.find((u) => u.name === unit.name)
  return {unit, url: status?.url ?? unit.url, key: receivedKey(ctx, unit).value}
}

export interface RunningHealth {
  server: RunningServer
  health: Health
  /** The health call's URL, for the report. */
  where: string
}

/**
 * The `role` server's health call on the running session, or the skip result of check `id` when no session
 * runs (`what` names the check in that line) or the session has no such server with a port.
 */
export async function runningHealth(
  ctx: ConfiguredContext,
  id: string,
  what: string,
  role: 'web' | 'services',
  timeoutMs: number,
): Promise<RunningHealth | CheckResult> {
  const info = await ctx.session()
  if (info.state !== 'running') return result(id, 'skip', `${what}: no session is running`)
  const server = runningServer(ctx, info, role)
  if (!server?.url) return result(id, 'skip', `no ${role} server with a port in this session`)
  const health = await getHealth(server.url, server.key, timeoutMs)
  return {server, health, where: `${server.url}/internal/storage/health`}
}

/** The error result of a health call that failed: why (the key masked), and where to look. */
export function healthFailed(id: string, failed: string, {server, health, where}: RunningHealth): CheckResult {
  const why = health.error ?? `HTTP ${health.status}${health.body?.error ? `: ${health.body.error}` : ''}`
  return result(id, 'error', `${server.unit.name} ${failed} (${maskSecretsIn(why, [server.key])})`, {
    detail: [where],
    fix: `naaccord logs ${server.unit.name}`,
  })
}
