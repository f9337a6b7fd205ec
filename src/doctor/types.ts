/**
 * The doctor's vocabulary. A check is one small module in `checks/`: it looks at one thing and returns one
 * result (or one per subject, e.g. one per port); a check that can repair what it found safely also has `fix`.
 */
import type {ConfigError} from '../config/errors.js'
import type {LoadedConfig} from '../config/load.js'
import type {Plan} from '../config/plan.js'
import type {SessionInfo} from '../session/client.js'

export type CheckStatus = 'ok' | 'warn' | 'error' | 'skip'

export interface CheckResult {
  /** The check's id (stable, for --json and scripts). */
  id: string
  /** What this result is about when a check reports several (a port, a server, a folder). */
  subject?: string
  status: CheckStatus
  /** One line. Never holds a whole secret. */
  message: string
  /** Indented lines under the message: where, what was found. */
  detail?: string[]
  /** The exact command that fixes it, when there is one. */
  fix?: string
  /** `naaccord doctor --fix` can repair this one (the check's fix() handles it). */
  fixable?: boolean
}

export interface DoctorContext {
  cwd: string
  env: NodeJS.ProcessEnv
  /** --online: images missing locally are looked up in their registry. */
  online: boolean
  loaded?: LoadedConfig
  plan?: Plan
  /** The project folder (the config's), known even when the config is invalid, unless no config was found. */
  root?: string
  /** Why there is no config/plan: a ConfigError (located issues) or anything else. */
  configError?: ConfigError | Error
  /** The project's session as found on disk (read once, shared by every check). */
  session(): Promise<SessionInfo>
}

/** A context whose config loaded: what `needsConfig` checks receive. */
export type ConfiguredContext = DoctorContext & {loaded: LoadedConfig; plan: Plan}

export interface Check {
  id: string
  title: string
  /** Checks that read the config are reported as skipped when it did not load. */
  needsConfig: boolean
  /** Per-check time limit in ms (default 10 s). */
  timeoutMs?: number
  run(ctx: DoctorContext): Promise<CheckResult | CheckResult[]>
  /** Applies the safe repairs for the given (non-ok, fixable) results; returns one line per thing it did. */
  fix?(ctx: DoctorContext, results: CheckResult[]): Promise<string[]>
}

export function result(
  id: string,
  status: CheckStatus,
  message: string,
  extra: Partial<CheckResult> = {},
): CheckResult {
  return {id, status, message, ...extra}
}
