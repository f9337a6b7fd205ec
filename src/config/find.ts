/**
 * Where the project's config is: --config FILE, NAACCORD_CONFIG, or the nearest naaccord.config.yaml above the
 * working folder. Kept apart from load.ts (YAML, the schema) so that the `start --detach` fast path can find it
 * without loading either.
 */
import {existsSync, statSync} from 'node:fs'
import path from 'node:path'
import {ConfigError} from './errors.js'

export const CONFIG_FILE = 'naaccord.config.yaml'
/** The session's folder beside the config (lock, state, socket, logs). */
export const STATE_DIR = '.naaccord'

export interface FindOptions {
  /** --config FILE; otherwise NAACCORD_CONFIG; otherwise found by walking up from cwd. */
  configPath?: string
  cwd?: string
  env?: Record<string, string | undefined>
}

/** Finds the config file: explicit path, NAACCORD_CONFIG, or the nearest naaccord.config.yaml above cwd. */
export function findConfigFile(options: FindOptions = {}): string {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const explicit = options.configPath ?? env.NAACCORD_CONFIG
  if (explicit) {
    const file = path.resolve(cwd, explicit)
    const source = options.configPath ? '--config' : 'NAACCORD_CONFIG'
    if (!existsSync(file)) throw new ConfigError([{file, path: '', message: `no such file (from ${source})`}])
    if (statSync(file).isDirectory()) {
      throw new ConfigError([
        {
          file,
          path: '',
          message: `is a directory, not a config file (from ${source}); pass ${path.join(file, CONFIG_FILE)}`,
        },
      ])
    }
    return file
  }
  let dir = path.resolve(cwd)
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE)
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new ConfigError([
    {
      file: path.join(path.resolve(cwd), CONFIG_FILE),
      path: '',
      message: `no ${CONFIG_FILE} here or in any parent folder; run \`naaccord init\` to write one, or pass --config FILE`,
    },
  ])
}
