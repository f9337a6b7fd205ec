/**
 * bin/run.js's fast path: `start --detach`, foreground `start` without the dashboard, `stop`, `status`, `logs` and
 * `restart` without oclif, parsed with the one flag table (flags.ts), running the same code as the oclif commands
 * (session-commands.ts, session/foreground.ts). What it leaves to oclif (returns false): anything parseFast does
 * not take (help, unknown or invalid flags), no config found or a config problem, a stale session to clear, `stop`
 * with no live session (it also looks for leftover containers, which needs the config), `logs`/`restart` with no
 * live session or naming a unit the session does not have (oclif checks names against the config), `logs
 * supervisor` (a file), and `start` that would open the dashboard.
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
  const {command, flags, args} = parsed
  let configFile: string
  try {
    configFile = findConfigFile({configPath: flags.config as string | undefined})
  } catch {
    return false
  }
  const stateDir = path.join(path.dirname(configFile), STATE_DIR)
  const files = inspectSession(stateDir)
  if (command === 'start') {
    if (flags.detach !== true) return startForeground(parsed, configFile)
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
  if (!files.live && (command !== 'status' || files.present.length > 0)) return false
  const units = files.status?.units.map((u) => u.name) ?? []
  if (command === 'logs' && (args.some((n) => !units.includes(n)) || (args.length === 1 && args[0] === 'supervisor')))
    return false
  return runSessionCommand(parsed, {
    stateDir,
    configFile,
    project: files.status?.project,
    hasDependencies: files.status?.units.some((u) => u.kind === 'dependency') ?? false,
    ports: files.status?.units.flatMap((u) => (u.kind === 'server' && u.port ? [u.port] : [])),
  })
}

async function runSessionCommand(
  {command, flags, args}: FastParse,
  target: import('./session-commands.js').SessionTarget,
): Promise<boolean> {
  const {applyNoColor} = await import('../session/output.js')
  applyNoColor()
  const {CommandError, runLogs, runRestart, runStatus, runStop, UsageError} = await import('./session-commands.js')
  try {
    process.exitCode =
      command === 'stop'
        ? await runStop(target, {timeout: flags.timeout as string | undefined, json: flags.json === true})
        : command === 'logs'
          ? await runLogs(target, args, {
              follow: flags.follow === true,
              tail: flags.tail as number,
              since: flags.since as string | undefined,
              json: flags.json === true,
            })
          : command === 'restart'
            ? await runRestart(target, args[0], {wait: flags.wait === true, json: flags.json === true})
            : await runStatus(target, {json: flags.json === true})
  } catch (error) {
    // Bad input is found before anything is done: oclif runs the command again and reports it as usual.
    if (error instanceof UsageError) return false
    // A failure afterwards is reported by oclif's own error printer, as the oclif command would (and exits).
    if (error instanceof CommandError) await oclifError(error.message, error.exit)
    throw error
  }
  return true
}

/** Prints `message` as oclif's this.error does and exits with `exit`. */
async function oclifError(message: string, exit: number): Promise<void> {
  const {CLIError, handle} = await import('@oclif/core/errors')
  await handle(new CLIError(message, {exit}))
}

/**
 * `naaccord start` in the foreground without the dashboard (stdout not a terminal, --no-dashboard or --json):
 * the config is loaded and the plan built here, as the oclif command does; a config problem goes to oclif,
 * which reports it.
 */
async function startForeground({flags}: FastParse, configFile: string): Promise<boolean> {
  const dashboard = flags.dashboard !== false && flags.json !== true && process.stdout.isTTY && process.stdin.isTTY
  if (dashboard) return false
  const {applyNoColor} = await import('../session/output.js')
  applyNoColor()
  const [{loadConfig}, {buildPlan}, {runForeground}] = await Promise.all([
    import('../config/load.js'),
    import('../config/plan.js'),
    import('../session/foreground.js'),
  ])
  let plan: import('../config/plan.js').Plan
  try {
    plan = buildPlan(loadConfig({configPath: configFile}), {
      profiles: flags.profile as string[] | undefined,
      only: splitList(flags.only as string[] | undefined),
      noDeps: flags['no-deps'] === true || undefined,
    })
  } catch {
    return false
  }
  // As the oclif command's this.exit: whatever is left (a stray timer, a listener) does not keep it running.
  process.exit(await runForeground(plan, {json: flags.json === true}))
}
