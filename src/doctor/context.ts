/** Builds the doctor's context: the config and plan when they load, the error when they do not. */

import path from 'node:path'
import type {ConfigError} from '../config/errors.js'
import {findConfigFile, type LoadedConfig, loadConfig} from '../config/load.js'
import {buildPlan, type Plan} from '../config/plan.js'
import {readSession, type SessionInfo} from '../session/client.js'
import type {DoctorContext} from './types.js'

export interface ContextOptions {
  configPath?: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  online?: boolean
  profiles?: string[]
}

export function createContext(options: ContextOptions = {}): DoctorContext {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  let loaded: LoadedConfig | undefined
  let plan: Plan | undefined
  let configError: ConfigError | Error | undefined
  try {
    loaded = loadConfig({configPath: options.configPath, cwd, env})
    plan = buildPlan(loaded, {profiles: options.profiles, env})
  } catch (error) {
    configError = error instanceof Error ? error : new Error(String(error))
    plan = undefined
  }
  let root = loaded?.root
  if (!root) {
    try {
      root = path.dirname(findConfigFile({configPath: options.configPath, cwd, env}))
    } catch {}
  }
  let session: Promise<SessionInfo> | undefined
  return {
    cwd,
    env,
    online: options.online ?? false,
    loaded: plan ? loaded : undefined,
    plan,
    root,
    configError,
    session() {
      if (!plan) return Promise.reject(new Error('no config'))
      session ??= readSession(plan.stateDir)
      return session
    },
  }
}
