/** GET download: the stored bytes, streamed, with the stored content type (disk default `local`). */
import {open} from 'node:fs/promises'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {HttpError} from '../../http-util.js'
import {parseDisk, resolveFile} from '../../paths.js'
import {STREAM_HWM} from '../../storage.js'
import type {RouteContext} from '../context.js'

/** `attachment; filename="…"`, ASCII-safe, with filename* when the name needs more than ASCII. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  const star = ascii === name ? '' : `; filename*=UTF-8''${encodeURIComponent(name)}`
  return `attachment; filename="${ascii}"${star}`
}

export async function download(ctx: RouteContext): Promise<void> {
  const {url, res, storage} = ctx
  const disk = parseDisk(url.searchParams.get('disk') ?? undefined, 'local')
  const file = await resolveFile(storage.disk(disk), url.searchParams.get('path') ?? undefined)
  // Open first, then stat the open file: what is sent is what was measured, even if it is replaced meanwhile.
  const handle = await open(file.abs, 'r').catch(() => undefined)
  if (!handle) throw new HttpError(404, 'File not found')
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new HttpError(404, 'File not found')
    const meta = await storage.readMeta(file.abs)
    const type =
      typeof meta?.content_type === 'string' && meta.content_type ? meta.content_type : 'application/octet-stream'
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': String(st.size),
      'Content-Disposition': contentDisposition(path.basename(file.abs)),
    })
    await pipeline(handle.createReadStream({highWaterMark: STREAM_HWM, autoClose: false}), res)
  } finally {
    await handle.close().catch(() => {})
  }
}
