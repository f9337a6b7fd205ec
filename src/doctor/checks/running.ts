/**
 * Shared by the checks that only make sense while a session runs: the running session's URL for a server
 * (it may run on other ports than the config's, e.g. under test-streaming --start) and the key it was given.
 */
import type {PlannedServer} from '../../config/plan.js'
import type {SessionInfo} from '../../session/client.js'
import type {ConfiguredContext} from '../types.js'
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
