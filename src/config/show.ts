import {isSecretName, maskSecret, maskSecretsIn} from '../util/mask.js'
import type {LoadedConfig} from './load.js'
import {resolveApiKey} from './plan.js'

/**
 * The resolved config with every secret masked: the API key and env values whose names say they are secrets, and
 * those same values wherever else they were interpolated (an `args: [--key, "${INTERNAL_API_KEY}"]`, a URL).
 */
export function maskedConfig(loaded: LoadedConfig): unknown {
  const secrets = new Set<string>()
  const key = resolveApiKey(loaded).value
  if (key) secrets.add(key)
  if (loaded.config.apiKey?.value) secrets.add(loaded.config.apiKey.value)
  collectSecrets(loaded.config, undefined, secrets)
  // Longest first, so that a secret containing another is masked whole.
  const known = [...secrets].sort((a, b) => b.length - a.length)

  const walk = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') {
      if (key !== undefined && (key === 'value' || isSecretName(key))) return maskSecret(value)
      return maskSecretsIn(value, known)
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, undefined))
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'apiKey' ? maskApiKey(v) : walk(v, k)]))
    }
    return value
  }
  return walk(loaded.config, undefined)
}

/** Values of fields whose names say they are secrets (env PASSWORD, TOKEN, …), anywhere in the config. */
function collectSecrets(value: unknown, key: string | undefined, out: Set<string>): void {
  if (typeof value === 'string') {
    if (key !== undefined && isSecretName(key) && value.length >= 4) out.add(value)
  } else if (Array.isArray(value)) for (const v of value) collectSecrets(v, undefined, out)
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) if (k !== 'apiKey') collectSecrets(v, k, out)
}

function maskApiKey(value: unknown): unknown {
  if (value && typeof value === 'object') {
    const key = value as {value?: string; file?: string}
    return {...(key.value !== undefined ? {value: maskSecret(key.value)} : {}), ...(key.file ? {file: key.file} : {})}
  }
  return value
}
