/**
 * A check that reads the config. The runner reports it as skipped when the config did not load, so its `run`
 * (and `fix`) get a ConfiguredContext: the one place that narrows the context, instead of a cast in each check.
 */
import type {Check, CheckResult, ConfiguredContext} from '../types.js'

export interface ConfiguredCheck extends Omit<Check, 'needsConfig' | 'run' | 'fix'> {
  run(ctx: ConfiguredContext): Promise<CheckResult | CheckResult[]>
  fix?(ctx: ConfiguredContext, results: CheckResult[]): Promise<string[]>
}

export function configuredCheck(check: ConfiguredCheck): Check {
  const {run, fix, ...rest} = check
  return {
    ...rest,
    needsConfig: true,
    run: (ctx) => run(ctx as ConfiguredContext),
    ...(fix
      ? {fix: async (ctx, results) => (ctx.plan && ctx.loaded ? fix(ctx as ConfiguredContext, results) : [])}
      : {}),
  }
}
