/** GET exists: whether anything is at `path` (disk default `local`). */
import {stat} from 'node:fs/promises'
import {sendJson} from '../../http-util.js'
import {parseDisk, resolveFile} from '../../paths.js'
import type {RouteContext} from '../context.js'

export async function exists(ctx: RouteContext): Promise<void> {
  const {url, res, storage} = ctx
  const raw = url.searchParams.get('path') ?? undefined
  const disk = parseDisk(url.searchParams.get('disk') ?? undefined, 'local')
  const file = await resolveFile(storage.disk(disk), raw)
  const found = await stat(file.abs).then(
    () => true,
    () => false,
  )
  sendJson(res, 200, {success: true, exists: found, path: raw})
}
