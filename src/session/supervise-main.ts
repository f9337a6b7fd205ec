/**
 * The detached supervisor's entry (`start --detach` spawns it): the session without oclif in front, because
 * every millisecond of its start-up is added to start-to-ready. Argument: JSON {configFile, only, noDeps, profiles},
 * or {configFile, planOverIpc: true} when the CLI has already resolved the plan: it then comes as the first IPC
 * message (never on the command line: it holds the API key), and no YAML or schema is loaded here.
 * Output goes to .naaccord/logs/supervisor.log; the parent hears ready/failed over the IPC channel.
 */
import {writeFileSync} from 'node:fs'
import {ConfigError} from '../config/errors.js'
import type {Plan} from '../config/plan.js'
import {traceStalls} from '../util/stall-trace.js'
import {reportConfigError, reportToParent} from './detach.js'
import {SessionStartError, startSession} from './session.js'

export interface SuperviseArgs {
  configFile: string
  only?: string[]
  noDeps?: boolean
  profiles?: string[]
  /** The resolved plan follows as the first IPC message ({type: 'plan', plan}). */
  planOverIpc?: boolean
}

/** The plan: from the parent over IPC, or loaded and resolved here from the config file. */
async function resolvePlan(args: SuperviseArgs): Promise<Plan> {
  if (args.planOverIpc) {
    return new Promise((resolve, reject) => {
      if (!process.connected) reject(new Error('the plan was to come over IPC, but there is no channel'))
      process.once('message', (m: {type?: string; plan?: Plan}) =>
        m?.type === 'plan' && m.plan ? resolve(m.plan) : reject(new Error('expected the plan as the first message')),
      )
      process.once('disconnect', () => reject(new Error('the parent went away before sending the plan')))
    })
  }
  const [{loadConfig}, {buildPlan}] = await Promise.all([import('../config/load.js'), import('../config/plan.js')])
  return buildPlan(loadConfig({configPath: args.configFile}), {
    only: args.only,
    noDeps: args.noDeps,
    profiles: args.profiles,
  })
}

async function main(): Promise<number> {
  const args = JSON.parse(process.argv[2] ?? '{}') as SuperviseArgs
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} naaccord: ${line}\n`)
  let session: Awaited<ReturnType<typeof startSession>>
  try {
    const plan = await resolvePlan(args)
    session = await startSession(plan, {onNotice: log})
  } catch (error) {
    const problems =
      error instanceof SessionStartError
        ? error.problems
        : error instanceof ConfigError
          ? error.message.split('\n')
          : [(error as Error).message]
    // A config that does not load is reported as every command reports it (the parent may not have loaded it).
    if (error instanceof ConfigError) reportConfigError(problems, error.issues.length)
    else reportToParent(new SessionStartError(problems))
    for (const p of problems) log(p)
    return 1
  }
  // NAACCORD_SUPERVISOR_TRACE=<file>: the supervisor's event-loop stalls, written when it stops (bench/dashboard).
  const traceFile = process.env.NAACCORD_SUPERVISOR_TRACE
  const trace: string[] = []
  const stopTrace = traceFile ? traceStalls((line) => trace.push(line)) : undefined
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void session.stop())
  log(`supervisor pid ${process.pid} serving ${session.socketPath}`)
  reportToParent(session)
  session.ready.then(
    () => log('every unit is ready'),
    (error: Error) => log(`not ready: ${error.message}`),
  )
  const report = await session.stopped
  if (traceFile && stopTrace) {
    stopTrace()
    writeFileSync(traceFile, trace.map((l) => `${l}\n`).join(''))
  }
  for (const p of report.problems) log(`left behind: ${p}`)
  log(`stopped in ${report.ms}ms`)
  return report.clean ? 0 : 1
}

process.exitCode = await main()
