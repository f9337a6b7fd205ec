/**
 * The project's .env has every entry its template (.env.example) has. The depot reads .env from its working
 * folder, and the config may interpolate ${VAR}s from it. `--fix` appends the missing entries, with the
 * template's values, and never changes an entry that is already there.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parseEnv} from 'node:util'
import {writeFileAtomic} from '../../util/fs.js'
import {type Check, type DoctorContext, result} from '../types.js'

const ID = 'dotenv'
export const ENV_TEMPLATES = ['.env.example', '.env.template', '.env.sample']

interface EnvGap {
  template: string
  envFile: string
  /** Missing entries as they appear in the template, in its order. */
  missing: {name: string; line: string}[]
}

function readEnv(file: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>
  } catch {
    return {}
  }
}

export function findGap(root: string): EnvGap | undefined {
  const template = ENV_TEMPLATES.map((t) => path.join(root, t)).find((f) => existsSync(f))
  if (!template) return undefined
  const envFile = path.join(root, '.env')
  const have = existsSync(envFile) ? readEnv(envFile) : {}
  const missing: EnvGap['missing'] = []
  for (const raw of readFileSync(template, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(raw)
    if (m && !(m[1] in have) && !missing.some((x) => x.name === m[1])) missing.push({name: m[1], line: raw.trim()})
  }
  return {template, envFile, missing}
}

function rootOf(ctx: DoctorContext): string | undefined {
  return ctx.plan?.root ?? ctx.root
}

export const dotenvCheck: Check = {
  id: ID,
  title: '.env',
  needsConfig: false,
  async run(ctx) {
    const root = rootOf(ctx)
    if (!root) return result(ID, 'skip', '.env: no project folder (no config found)')
    const gap = findGap(root)
    if (!gap) return result(ID, 'skip', `.env: no template (${ENV_TEMPLATES.join(', ')}) in ${root}`)
    const tpl = path.basename(gap.template)
    if (gap.missing.length === 0) return result(ID, 'ok', `.env has every entry of ${tpl}`)
    const names = gap.missing.map((m) => m.name)
    return result(
      ID,
      'warn',
      existsSync(gap.envFile)
        ? `.env lacks ${names.length} entr${names.length === 1 ? 'y' : 'ies'} of ${tpl}: ${names.join(', ')}`
        : `there is no .env (${tpl} has ${names.length} entr${names.length === 1 ? 'y' : 'ies'})`,
      {detail: [`in ${root}`], fix: 'naaccord doctor --fix', fixable: true},
    )
  },
  async fix(ctx) {
    const root = rootOf(ctx)
    const gap = root ? findGap(root) : undefined
    if (!gap || gap.missing.length === 0) return []
    const current = existsSync(gap.envFile) ? readFileSync(gap.envFile, 'utf8') : ''
    const sep = current === '' || current.endsWith('\n') ? '' : '\n'
    const added = `# added by naaccord doctor --fix from ${path.basename(gap.template)}\n${gap.missing.map((m) => m.line).join('\n')}\n`
    // .env holds secrets: a new one is readable by its owner only; an existing one keeps its mode.
    const mode = existsSync(gap.envFile) ? statSync(gap.envFile).mode & 0o777 : 0o600
    writeFileAtomic(gap.envFile, `${current}${sep}${current ? '\n' : ''}${added}`, mode)
    const names = gap.missing.map((m) => m.name).join(', ')
    return [`${current ? 'added to' : 'wrote'} ${gap.envFile}: ${names}`]
  },
}
