import {isSecretName, maskSecret} from '../util/mask.js'
import type {LoadedConfig} from './load.js'

/** The resolved config with every secret masked: the API key and env values whose names say they are secrets. */
export function maskedConfig(loaded: LoadedConfig): unknown {
  const walk = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string' && key !== undefined && (key === 'value' || isSecretName(key)))
      return maskSecret(value)
    if (Array.isArray(value)) return value.map((v) => walk(v, undefined))
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'apiKey' ? maskApiKey(v) : walk(v, k)]))
    }
    return value
  }
  return walk(loaded.config, undefined)
}

function maskApiKey(value: unknown): unknown {
  if (value && typeof value === 'object') {
    const key = value as {value?: string; file?: string}
    return {...(key.value !== undefined ? {value: maskSecret(key.value)} : {}), ...(key.file ? {file: key.file} : {})}
  }
  return value
}
