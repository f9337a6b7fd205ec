/** POST delete: one file and its sidecar (disk default `scratch`); success:false when it was already gone. */
import {rm, unlink} from 'node:fs/promises'
import {readJsonObject, sendJson, stringField} from '../../http-util.js'
import {parseDisk, resolveFile} from '../../paths.js'
import type {RouteContext} from '../context.js'

export async function deleteFile(ctx: RouteContext): Promise<void> {
  const {req, res, storage, log, rid} = ctx
  const body = await readJsonObject(req)
  const raw = stringField(body.path, 'path')
  const disk = parseDisk(stringField(body.disk, 'disk'), 'scratch')
  const file = await resolveFile(storage.disk(disk), raw)
  let success = true
  try {
    await unlink(file.abs)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'ENOTDIR') throw error
    success = false
  }
  if (success) await rm(`${file.abs}.meta`, {force: true})
  log.info(rid, `Internal API: delete ${ctx.show(file.abs)}: ${success ? 'deleted' : 'was not there'}`)
  sendJson(res, 200, {success, path: raw})
}
