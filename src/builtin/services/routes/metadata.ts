/** GET metadata: size, mtime (epoch seconds, a float, as the depot answers) and content type of a file on the uploads disk. */
import {HttpError, sendJson} from '../../http-util.js'
import {resolveFile} from '../../paths.js'
import {statFile} from '../../storage.js'
import type {RouteContext} from '../context.js'

export async function metadata(ctx: RouteContext): Promise<void> {
  const {url, res, storage} = ctx
  const raw = url.searchParams.get('path') ?? undefined
  const file = await resolveFile(storage.disk('uploads'), raw)
  const st = await statFile(file.abs)
  if (!st) throw new HttpError(404, 'File not found')
  const meta = await storage.readMeta(file.abs)
  const contentType =
    typeof meta?.content_type === 'string' && meta.content_type ? meta.content_type : 'application/octet-stream'
  sendJson(res, 200, {
    success: true,
    path: raw,
    metadata: {size: st.size, mtime: st.mtimeMs / 1000, content_type: contentType},
  })
}
