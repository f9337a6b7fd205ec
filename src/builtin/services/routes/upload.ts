/** POST upload: one multipart body with `path` and a `file` part; streamed to temp/, then renamed into place. */
import {HttpError, sendJson} from '../../http-util.js'
import {parseDisk, resolveFile} from '../../paths.js'
import type {RouteContext} from '../context.js'
import {parseMetadata, receiveForm} from '../form.js'

export async function upload(ctx: RouteContext): Promise<void> {
  const {req, res, storage, log, rid} = ctx
  log.info(rid, `Internal API: file upload (${req.headers['content-length'] ?? 'chunked'} bytes incoming)`)
  const {fields, file} = await receiveForm(req, storage, 'file')
  try {
    const disk = parseDisk(fields.disk, 'uploads')
    const target = await resolveFile(storage.disk(disk), fields.path, {write: true})
    if (!file) throw new HttpError(400, 'File is required')
    await storage.commit(file, target.abs)
    await storage.writeMeta(target.abs, {
      metadata: withFilename(parseMetadata(fields.metadata), file.filename),
      contentType: fields.content_type || file.mimeType || 'application/octet-stream',
      size: file.size,
      sha256: file.sha256,
    })
    log.info(rid, `Saved file to ${ctx.show(target.abs)} (${file.size} bytes, sha256 ${file.sha256})`)
    // built-in: sha256 is an extra field; the depot answers {success, path, size}.
    sendJson(res, 200, {success: true, path: fields.path, size: file.size, sha256: file.sha256})
  } catch (error) {
    if (file) await storage.discard(file)
    throw error
  }
}

/**
 * built-in: the uploaded part's own filename is kept in the sidecar as `original_filename` (web's form uploads are
 * stored under a request id). The depot's client always names its part "file", which adds nothing.
 */
function withFilename(metadata: Record<string, unknown>, filename: string): Record<string, unknown> {
  if (!filename || filename === 'file' || metadata.original_filename !== undefined) return metadata
  return {...metadata, original_filename: filename}
}
