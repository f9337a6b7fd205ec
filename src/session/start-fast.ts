/**
 * `naaccord start --detach` without oclif (src/cli/fast.ts sends the common case here: no session files, a
 * config found). Its start-up is added to start-to-ready, so this neither boots oclif nor loads the config's
 * schema: it spawns the supervisor, which loads and validates the config anyway (and reports a bad one,
 * located, as every command does), and prints what it reports, as the oclif command does.
 */
import path from 'node:path'
import {STATE_DIR} from '../config/find.js'
import {finishDetached, spawnSupervisor} from './detach.js'
import type {SuperviseArgs} from './supervise-main.js'

/** Spawns the detached supervisor for `configFile` and waits for it; resolves with the exit code. */
export async function startDetachedFast(
  configFile: string,
  options: Omit<SuperviseArgs, 'configFile'> & {json: boolean},
): Promise<number> {
  const {json, ...rest} = options
  const stateDir = path.join(path.dirname(configFile), STATE_DIR)
  const began = Date.now()
  const sup = spawnSupervisor(stateDir, {configFile, ...rest})
  return finishDetached(sup, json, began)
}
