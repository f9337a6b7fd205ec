/**
 * `naaccord start --detach` without oclif. bin/run.js sends the common case here because its start-up is added
 * to start-to-ready: booting oclif and loading the config's schema cost ~200 ms before the supervisor could even be
 * spawned, and the supervisor loads and validates the config anyway (and reports a bad one, located, as every
 * command does). This finds the config, spawns the supervisor and prints what it reports, as the oclif command
 * does. Anything else (help, a flag not listed here, a session running or stale files to clear, no config found)
 * returns false, and the full command handles it with its usual messages.
 */
import path from 'node:path'
import {findConfigFile, STATE_DIR} from '../config/find.js'
import {finishDetached, spawnSupervisor} from './detach.js'
import {inspectSession} from './stale.js'

export interface FastStart {
  config?: string
  json: boolean
  only?: string[]
  noDeps?: boolean
  profiles?: string[]
}

/** The flags of `start --detach` this path knows; undefined for anything else. */
export function parseFastStart(argv: string[]): FastStart | undefined {
  if (argv[0] !== 'start') return undefined
  let detach = false
  let json = false
  let noDeps = false
  let config: string | undefined
  const only: string[] = []
  const profiles: string[] = []
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]
    const eq = arg.indexOf('=')
    const [name, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined]
    const value = () => inline ?? argv[++i]
    if (name === '--detach' || name === '-d') detach = true
    else if (name === '--json') json = true
    else if (name === '--no-deps') noDeps = true
    else if (name === '--dashboard' || name === '--no-dashboard') continue
    else if (name === '--only' || name === '--profile' || name === '--config' || name === '-c') {
      const v = value()
      if (v === undefined || v.startsWith('-')) return undefined
      if (name === '--only') only.push(v)
      else if (name === '--profile') profiles.push(v)
      else config = v
    } else return undefined
  }
  if (!detach) return undefined
  return {
    config,
    json,
    noDeps: noDeps || undefined,
    only: only.length
      ? only
          .flatMap((o) => o.split(','))
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    profiles: profiles.length ? profiles : undefined,
  }
}

/** Runs `start --detach` when argv is one this path handles; false to let oclif run the command. */
export async function startDetachedFromArgv(argv: string[]): Promise<boolean> {
  const parsed = parseFastStart(argv)
  if (!parsed) return false
  let configFile: string
  try {
    configFile = findConfigFile({configPath: parsed.config})
  } catch {
    return false
  }
  const stateDir = path.join(path.dirname(configFile), STATE_DIR)
  if (inspectSession(stateDir).present.length > 0) return false
  const began = Date.now()
  const sup = spawnSupervisor(stateDir, {
    configFile,
    only: parsed.only,
    noDeps: parsed.noDeps,
    profiles: parsed.profiles,
  })
  process.exitCode = await finishDetached(sup, parsed.json, began)
  return true
}
