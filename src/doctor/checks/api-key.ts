/**
 * The internal API key: set for both roles, the same for both, at least 16 characters, and not the dev default
 * when NAACCORD_ENV=production. It is compared as each role would really receive it (a key file wins when it
 * exists; the config's env over the inherited environment over the project's .env) and never printed whole.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import type {PlannedServer} from '../../config/plan.js'
import {maskSecret} from '../../util/mask.js'
import {type CheckResult, type ConfiguredContext, result} from '../types.js'
import {configuredCheck} from './configured.js'

const ID = 'api-key'
export const MIN_KEY_LENGTH = 16
/** Keys shipped as defaults (the embedded config, the templates, the seed): fine for dev, never for production. */
export const DEV_DEFAULT_KEYS = ['dev-streaming-key-123', 'dev-internal-api-key', 'change-me']

export interface ReceivedKey {
  role: string
  server: string
  value: string | undefined
  source: string
}

/** A secret shown safely: its first characters, its length and a short fingerprint to tell two keys apart. */
export function describeKey(value: string | undefined): string {
  if (value === undefined || value === '') return '(unset)'
  const fp = createHash('sha256').update(value).digest('hex').slice(0, 8)
  return `${maskSecret(value)} (${value.length} chars, sha256 ${fp})`
}

export function receivedKey(ctx: ConfiguredContext, unit: PlannedServer): ReceivedKey {
  const base = {role: unit.role ?? 'none', server: unit.name}
  const file = unit.env.INTERNAL_API_KEY_FILE ?? ctx.env.INTERNAL_API_KEY_FILE
  if (file && existsSync(file)) return {...base, value: readFileSync(file, 'utf8').trim(), source: `file ${file}`}
  if (unit.env.INTERNAL_API_KEY !== undefined)
    return {...base, value: unit.env.INTERNAL_API_KEY, source: ctx.plan.apiKey.value ? 'apiKey' : 'config env'}
  if (ctx.env.INTERNAL_API_KEY !== undefined)
    return {...base, value: ctx.env.INTERNAL_API_KEY, source: 'the environment'}
  const dotenv = ctx.loaded.dotenv.INTERNAL_API_KEY
  if (dotenv !== undefined) return {...base, value: dotenv, source: '.env'}
  return {...base, value: undefined, source: 'nowhere'}
}

/** Keys a config sets by hand in env (common, role, server) that the derived apiKey silently overrides. */
function overridden(ctx: ConfiguredContext, unit: PlannedServer): {where: string; value: string} | undefined {
  const {config} = ctx.loaded
  const key = ctx.plan.apiKey.value
  if (key === undefined || !unit.role) return undefined
  const candidates: [string, string | undefined][] = [
    [`servers.${unit.name}.env.INTERNAL_API_KEY`, config.servers[unit.name]?.env.INTERNAL_API_KEY],
    [`roles.${unit.role}.env.INTERNAL_API_KEY`, config.roles[unit.role]?.env.INTERNAL_API_KEY],
    ['env.INTERNAL_API_KEY', config.env.INTERNAL_API_KEY],
  ]
  const hit = candidates.find(([, v]) => v !== undefined)
  return hit && hit[1] !== key ? {where: hit[0], value: hit[1] as string} : undefined
}

export const apiKeyCheck = configuredCheck({
  id: ID,
  title: 'Internal API key',
  async run(ctx) {
    const servers = ctx.plan.units.filter((u): u is PlannedServer => u.kind === 'server' && u.role !== undefined)
    if (servers.length === 0) return result(ID, 'skip', 'internal API key: no web or services server configured')
    const out: CheckResult[] = []
    const keys = servers.map((s) => receivedKey(ctx, s))
    const detail = keys.map((k) => `${k.server} (${k.role}) gets ${describeKey(k.value)} from ${k.source}`)
    const production = ctx.env.NAACCORD_ENV === 'production'

    for (const k of keys.filter((k) => !k.value))
      out.push(
        result(ID, 'error', `${k.server} (${k.role}) gets no INTERNAL_API_KEY`, {
          subject: k.server,
          detail: [`every call between web and services is refused (403) without it`],
          fix: `add \`apiKey: <a key of ${MIN_KEY_LENGTH}+ characters>\` to ${ctx.plan.configFile}`,
        }),
      )
    const distinct = new Set(keys.filter((k) => k.value).map((k) => k.value))
    if (distinct.size > 1)
      out.push(
        result(ID, 'error', 'web and services get different keys: services will refuse web (403)', {
          subject: 'mismatch',
          detail,
          fix: `set the key once, as \`apiKey:\` in ${ctx.plan.configFile}, and remove the per-server INTERNAL_API_KEY entries`,
        }),
      )
    for (const s of servers) {
      const o = overridden(ctx, s)
      if (o)
        out.push(
          result(ID, 'warn', `${o.where} (${describeKey(o.value)}) is ignored: ${s.name} receives apiKey`, {
            subject: s.name,
            fix: `remove ${o.where} from the config`,
          }),
        )
    }
    const configKey = ctx.plan.apiKey.value
    if (configKey !== undefined) {
      for (const [where, value] of [
        ['the environment', ctx.env.INTERNAL_API_KEY],
        ['.env', ctx.loaded.dotenv.INTERNAL_API_KEY],
      ] as const) {
        if (value !== undefined && value !== configKey)
          out.push(
            result(ID, 'warn', `INTERNAL_API_KEY in ${where} differs from the config's apiKey`, {
              subject: where,
              detail: [
                `${where}: ${describeKey(value)}; apiKey: ${describeKey(configKey)}`,
                'servers started by naaccord get apiKey; a server started by hand would get the other one',
              ],
              fix:
                where === '.env'
                  ? `make INTERNAL_API_KEY in ${ctx.loaded.root}/.env equal the config's key, or write apiKey: \${INTERNAL_API_KEY}`
                  : `unset INTERNAL_API_KEY, or write apiKey: \${INTERNAL_API_KEY} in the config`,
            }),
          )
      }
    }
    for (const value of distinct) {
      if (value === undefined) continue
      if (value.length < MIN_KEY_LENGTH)
        out.push(
          result(ID, 'error', `the key ${describeKey(value)} is shorter than ${MIN_KEY_LENGTH} characters`, {
            subject: 'length',
            fix: `set apiKey to a longer key, e.g. $(openssl rand -hex 24)`,
          }),
        )
      if (production && DEV_DEFAULT_KEYS.includes(value))
        out.push(
          result(ID, 'error', 'NAACCORD_ENV=production but the key is the dev default', {
            subject: 'production',
            fix: 'set INTERNAL_API_KEY (or apiKey / apiKey.file) to a secret key; generate one with `openssl rand -hex 24`',
          }),
        )
    }
    if (out.length === 0 || out.every((r) => r.status === 'warn'))
      out.unshift(result(ID, 'ok', `web and services share the key ${describeKey([...distinct][0])}`, {detail}))
    return out
  },
})
