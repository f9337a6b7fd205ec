/**
 * NAS_*_PATH variables are absolute. The depot compares a resolved path with the NAS root as it was given, so a
 * relative root fails that comparison; `list_with_prefix` swallows the error and lists nothing, and an upload then
 * looks missing with nothing saying why. Each relative one is named by its field, with file:line, and the fix.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {isScalar, LineCounter, parseDocument} from 'yaml'
import {type CheckResult, type ConfiguredContext, result} from '../types.js'
import {configuredCheck} from './configured.js'

const ID = 'nas-paths'
const NAS_VAR = /^NAS_\w+_PATH$/

interface Field {
  /** The field's path in the config, e.g. ['roles', 'services', 'env', 'NAS_UPLOADS_PATH']. */
  at: string[]
  value: string
}

/** Every NAS_*_PATH in the merged config: common env, each role's, each server's. */
function nasFields(ctx: ConfiguredContext): Field[] {
  const {config} = ctx.loaded
  const envs: [string[], Record<string, string>][] = [
    [['env'], config.env],
    ...Object.entries(config.roles).map(([role, r]): [string[], Record<string, string>] => [
      ['roles', role, 'env'],
      r?.env ?? {},
    ]),
    ...Object.entries(config.servers).map(([name, s]): [string[], Record<string, string>] => [
      ['servers', name, 'env'],
      s.env,
    ]),
  ]
  return envs.flatMap(([at, env]) =>
    Object.entries(env)
      .filter(([name]) => NAS_VAR.test(name))
      .map(([name, value]) => ({at: [...at, name], value: String(value)})),
  )
}

/** `file:line` of the field in the last config file that sets it (an overlay wins over the base). */
function locate(sources: string[], at: string[], root: string): string | undefined {
  for (const file of [...sources].reverse()) {
    try {
      const lines = new LineCounter()
      const doc = parseDocument(readFileSync(file, 'utf8'), {lineCounter: lines})
      const node = doc.getIn(at, true)
      if (isScalar(node) && node.range)
        return `${path.relative(root, file) || file}:${lines.linePos(node.range[0]).line}`
    } catch {}
  }
  return undefined
}

export const nasPathsCheck = configuredCheck({
  id: ID,
  title: 'NAS paths',
  async run(ctx) {
    const fields = nasFields(ctx)
    if (fields.length === 0) return result(ID, 'skip', 'no NAS_*_PATH in the config')
    const out: CheckResult[] = []
    for (const f of fields) {
      // {root} and {storage} are filled with absolute paths when the session is planned.
      if (path.isAbsolute(f.value.replace(/^\{(root|storage)\}/, '/'))) continue
      const field = f.at.join('.')
      const name = f.at.at(-1)
      const where = locate(ctx.loaded.sources, f.at, ctx.loaded.root)
      const fixed = f.value === '.' || f.value === '' ? '{root}' : `{root}/${f.value.replace(/^\.\//, '')}`
      out.push(
        result(ID, 'warn', `${field} is a relative path (${f.value}): the depot lists nothing under it`, {
          subject: field,
          detail: [
            ...(where ? [where] : []),
            'the depot compares resolved paths with this root as given, so a relative one never matches',
          ],
          fix: `write ${name}: "${fixed}" in ${where?.split(':')[0] ?? path.basename(ctx.loaded.file)} ({root} is the project root)`,
        }),
      )
    }
    return out.length > 0 ? out : result(ID, 'ok', `every NAS_*_PATH is absolute (${fields.length})`)
  },
})
