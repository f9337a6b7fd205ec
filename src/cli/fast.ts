/**
 * bin/run.js's fast path: `start --detach`, `stop` and `status` without oclif, parsed with the one flag table
 * (flags.ts). What it leaves to oclif (returns false): anything parseFast does not take (help, unknown or
 * invalid flags), no config found or a config problem, a stale session to clear, `stop` with no live session
 * (it also looks for leftover containers, which needs the config), and `logs`/`restart` for now.
 * Its static imports are kept to what every case needs; each command's own code is imported when it runs.
 */
import path from 'node:path'
import {findConfigFile, STATE_DIR} from '../config/find.js'
import {inspectSession} from '../session/stale.js'
import {type FastParse, parseFast, splitList} from './flags.js'

/** Runs the command when argv is one this path handles; false to let oclif run it. */
export async function runFast(argv: readonly string[]): Promise<boolean> {
  const parsed = parseFast(argv)
  if (!parsed) return false
  const {command, flags} = parsed
  if (command === 'start' ? flags.detach !== true : command !== 'stop' && command !== 'status') return false
  let configFile: string
  try {
    configFile = findConfigFile({configPath: flags.config as string | undefined})
  } catch {
    return false
  }
  const stateDir = path.join(path.dirname(configFile), STATE_DIR)
  const files = inspectSession(stateDir)
  if (command === 'start') {
    if (files.present.length > 0) return false
    const {startDetachedFast} = await import('../session/start-fast.js')
    process.exitCode = await startDetachedFast(configFile, {
      json: flags.json === true,
      only: splitList(flags.only as string[] | undefined),
      noDeps: flags['no-deps'] === true || undefined,
      profiles: flags.profile as string[] | undefined,
    })
    return true
  }
  if (!files.live && (command === 'stop' || files.present.length > 0)) return false
  return runSessionCommand(parsed, {
    stateDir,
    configFile,
    project: files.status?.project,
    hasDependencies: files.status?.units.some((u) => u.kind === 'dependency') ?? false,
    ports: files.status?.units.flatMap((u) => (u.kind === 'server' && u.port ? [u.port] : [])),
  })
}

async function runSessionCommand(
  {command, flags}: FastParse,
  target: import('./session-commands.js').SessionTarget,
): Promise<boolean> {
  const {applyNoColor} = await import('../session/output.js')
  applyNoColor()
  const {runStatus, runStop, UsageError} = await import('./session-commands.js')
  try {
    process.exitCode =
      command === 'stop'
        ? await runStop(target, {timeout: flags.timeout as string | undefined, json: flags.json === true})
        : await runStatus(target, {json: flags.json === true})
  } catch (error) {
    // Bad input is found before anything is done: oclif runs the command again and reports it as usual.
    if (error instanceof UsageError) return false
    throw error
  }
  return true
}
