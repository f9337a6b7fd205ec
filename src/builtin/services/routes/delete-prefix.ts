/**
 * POST delete_prefix: every file on the uploads disk whose path starts with `prefix`. built-in: a prefix that
 * resolves to the disk root is refused (the depot would empty the whole disk).
 * `deleted_count` counts data files, not their `.meta` sidecars, as the depot does.
 */
import {rmdir, unlink} from 'node:fs/promises'
import path from 'node:path'
import {readJsonObject, sendJson, stringField} from '../../http-util.js'
import {resolvePrefix, SIDECAR_SUFFIX} from '../../paths.js'
import {walkFiles} from '../../storage.js'
import type {RouteContext} from '../context.js'

export async function deletePrefix(ctx: RouteContext): Promise<void> {
  const {req, res, storage, log, rid} = ctx
  const body = await readJsonObject(req)
  const raw = stringField(body.prefix, 'prefix')
  const disk = storage.disk('uploads')
  const prefix = await resolvePrefix(disk, raw, {allowRoot: false})
  const files = (await walkFiles(disk.root, prefix.walkFrom)).filter((f) => f.rel.startsWith(prefix.rel))
  let deleted = 0
  const folders = new Set<string>()
  for (const file of files) {
    try {
      await unlink(file.abs)
      // As the depot counts: data files, not their sidecars.
      if (!file.rel.endsWith(SIDECAR_SUFFIX)) deleted++
      folders.add(path.dirname(file.abs))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  // Folders the prefix emptied go too, deepest first; never the disk root, never a folder still holding files.
  for (const folder of [...folders].sort((a, b) => b.length - a.length)) {
    for (let dir = folder; dir !== disk.root && dir.startsWith(disk.root + path.sep); dir = path.dirname(dir)) {
      const rel = path.relative(disk.root, dir).split(path.sep).join('/')
      if (!`${rel}/`.startsWith(prefix.rel) && !rel.startsWith(prefix.rel)) break
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break
    }
  }
  log.info(rid, `Internal API: delete_prefix ${JSON.stringify(raw)}: ${deleted} files deleted`)
  sendJson(res, 200, {success: true, deleted_count: deleted, prefix: raw})
}
