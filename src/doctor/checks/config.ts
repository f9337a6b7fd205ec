/** The config loads and validates; when it does not, every issue with file:line:col and field. */
import path from 'node:path'
import {ConfigError, formatIssue} from '../../config/errors.js'
import {type Check, result} from '../types.js'

export const configCheck: Check = {
  id: 'config',
  title: 'Config',
  needsConfig: false,
  async run(ctx) {
    if (ctx.plan && ctx.loaded) {
      const units = ctx.plan.units.map((u) => u.name)
      return result('config', 'ok', `${ctx.loaded.sources.join(' + ')} is valid`, {
        detail: [
          `project ${ctx.plan.project}; units: ${units.join(', ') || 'none'}`,
          ...ctx.plan.skipped.map((s) => `${s.name} is off: ${s.reason}`),
        ],
      })
    }
    const error = ctx.configError
    if (error instanceof ConfigError) {
      const n = error.issues.length
      const only = error.issues.length === 1 ? error.issues[0] : undefined
      const fix = !only
        ? undefined
        : /no naaccord\.config\.yaml here/.test(only.message)
          ? 'naaccord init'
          : /^no such file/.test(only.message)
            ? `naaccord init --dir ${path.dirname(only.file)}`
            : undefined
      return result('config', 'error', `the config has ${n === 1 ? 'a problem' : `${n} problems`}`, {
        detail: error.issues.map(formatIssue),
        fix,
      })
    }
    return result('config', 'error', `the config could not be read: ${error?.message ?? 'unknown error'}`, {
      detail: [`in ${path.resolve(ctx.cwd)}`],
    })
  },
}
