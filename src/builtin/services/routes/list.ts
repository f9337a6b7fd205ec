/**
 * GET list: files on the uploads disk under `prefix` (sidecars included), with mtime (epoch seconds, a float, as the depot answers)
 * and size on request: `include_metadata` compared as the depot compares it (`True` counts).
 */
import {stat} from 'node:fs/promises'
import {isTrue, sendJson} from '../../http-util.js'
import {resolvePrefix} from '../../paths.js'
import {walkFiles} from '../../storage.js'
import type {RouteContext} from '../context.js'

export async function list(ctx: RouteContext): Promise<void> {
  const {url, res, storage} = ctx
  const raw = url.searchParams.get('prefix') ?? ''
  const withMeta = isTrue(url.searchParams.get('include_metadata'))
  const disk = storage.disk('uploads')
  const prefix = await resolvePrefix(disk, raw, {allowRoot: true})
  const found = (await walkFiles(disk.root, prefix.walkFrom)).filter((f) => f.rel.startsWith(prefix.rel))
  const files: unknown[] = []
  for (const file of found) {
    if (!withMeta) {
      files.push(file.rel)
      continue
    }
    const st = await stat(file.abs).catch(() => undefined)
    if (st) files.push({path: file.rel, mtime: st.mtimeMs / 1000, size: st.size})
  }
  sendJson(res, 200, {success: true, files, count: files.length, prefix: raw})
}
