/**
 * The depot's environment, read the depot's way: the key from INTERNAL_API_KEY_FILE when that file exists, else
 * INTERNAL_API_KEY; services' address from SERVICES_URL or the seed's SERVICES_SERVER_URL, as a bare origin;
 * the storage root from --storage, else NAS_WORKSPACE_PATH, else storage/workspace under the working folder.
 */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

export function apiKeyFromEnv(env: NodeJS.ProcessEnv = process.env): {key?: string; source: string} {
  const file = env.INTERNAL_API_KEY_FILE
  if (file && existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim()
    return {key: key === '' ? undefined : key, source: `INTERNAL_API_KEY_FILE (${file})`}
  }
  const key = env.INTERNAL_API_KEY
  return key ? {key, source: 'INTERNAL_API_KEY'} : {source: 'none'}
}

export const DEFAULT_SERVICES_URL = 'http://127.0.0.1:8001'

/** A bare origin: any path part is dropped, as the depot's client does. Throws on a value that is not a URL. */
export function servicesOrigin(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`services URL ${JSON.stringify(value)} is not a URL (expected e.g. ${DEFAULT_SERVICES_URL})`)
  }
  if (url.protocol !== 'http:') throw new Error(`services URL ${value}: only http:// is supported`)
  return url.origin
}

export function servicesUrlFromEnv(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return servicesOrigin(flag || env.SERVICES_URL || env.SERVICES_SERVER_URL || DEFAULT_SERVICES_URL)
}

export function storageRootFromEnv(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag || env.NAS_WORKSPACE_PATH || path.join('storage', 'workspace'))
}
