/**
 * The internal storage routes and their one allowed method: services serves them, web relays them. Both check the
 * method before the key (405 with an empty body, even without a key), as the depot does.
 */
export const INTERNAL_PREFIX = '/internal/storage/'

export const ROUTE_METHODS: Readonly<Record<string, 'GET' | 'POST'>> = {
  upload: 'POST',
  upload_chunked: 'POST',
  download: 'GET',
  delete: 'POST',
  delete_prefix: 'POST',
  list: 'GET',
  exists: 'GET',
  metadata: 'GET',
  cleanup: 'POST',
  health: 'GET',
  // built-in: the seed's name for health (the depot answers 404).
  status: 'GET',
}

/** `upload` for `/internal/storage/upload`; undefined for anything else, including a trailing slash. */
export function internalRouteName(pathname: string): string | undefined {
  if (!pathname.startsWith(INTERNAL_PREFIX)) return undefined
  const name = pathname.slice(INTERNAL_PREFIX.length)
  return Object.hasOwn(ROUTE_METHODS, name) ? name : undefined
}
