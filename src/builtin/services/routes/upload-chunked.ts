/**
 * POST upload_chunked: `init` opens a staging folder temp/chunked/<upload_id>/, `chunk` stores one numbered chunk
 * there (a repeated chunk_num is ignored: the depot's client retries POSTs), `complete` streams the chunks in order
 * into one temp file, hashing as it goes, and renames it into place. Staging folders the client abandons are
 * removed by `cleanup`.
 */
import {randomUUID} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {HttpError, sendJson} from '../../http-util.js'
import {type DiskName, parseDisk, resolveFile} from '../../paths.js'
import {STREAM_HWM, statFile} from '../../storage.js'
import type {RouteContext} from '../context.js'
import {parseMetadata, receiveForm} from '../form.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_CHUNKS = 100_000

interface Manifest {
  path: string
  disk: DiskName
  content_type: string
  metadata: Record<string, unknown>
  created_at: string
}

function uploadId(value: string | undefined): string {
  if (value === undefined || value === '') throw new HttpError(400, 'Upload ID is required')
  if (!UUID.test(value)) throw new HttpError(400, `Invalid upload_id: ${JSON.stringify(value)} is not a UUID`)
  return value.toLowerCase()
}

function count(value: string | undefined, field: string, missing: string, min: number): number {
  if (value === undefined || value === '') throw new HttpError(400, missing)
  if (!/^\d{1,9}$/.test(value.trim()) || Number(value) < min || Number(value) > MAX_CHUNKS) {
    throw new HttpError(400, `Invalid ${field}: ${JSON.stringify(value)}`)
  }
  return Number(value)
}

async function readManifest(dir: string): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest
  } catch {
    throw new HttpError(404, 'Upload not found (unknown upload_id, already completed, or cleaned up)')
  }
}

export async function uploadChunked(ctx: RouteContext): Promise<void> {
  const {req, res, storage, log, rid} = ctx
  const {fields, file} = await receiveForm(req, storage, 'chunk')
  try {
    const action = fields.action
    if (action === 'init') {
      const disk = parseDisk(fields.disk, 'uploads')
      await resolveFile(storage.disk(disk), fields.path)
      const id = randomUUID()
      const dir = path.join(storage.chunked, id)
      await mkdir(dir)
      const manifest: Manifest = {
        path: fields.path,
        disk,
        content_type: fields.content_type || 'application/octet-stream',
        metadata: parseMetadata(fields.metadata),
        created_at: new Date().toISOString(),
      }
      await storage.writeSmall(path.join(dir, 'manifest.json'), JSON.stringify(manifest))
      log.info(rid, `Internal API: chunked upload ${id} started for ${JSON.stringify(fields.path)} (disk ${disk})`)
      sendJson(res, 200, {success: true, upload_id: id})
      return
    }
    if (action === 'chunk') {
      const id = uploadId(fields.upload_id)
      const n = count(fields.chunk_num, 'chunk_num', 'Chunk number is required', 0)
      if (!file) throw new HttpError(400, 'Chunk is required')
      const dir = path.join(storage.chunked, id)
      await readManifest(dir)
      const target = path.join(dir, `chunk-${n}`)
      if (await statFile(target)) {
        await storage.discard(file)
        log.info(rid, `Internal API: chunk ${n} of ${id} arrived again; keeping the first copy`)
      } else {
        await storage.commit(file, target)
        log.info(rid, `Internal API: chunk ${n} of ${id} (${file.size} bytes)`)
      }
      sendJson(res, 200, {success: true, chunk_num: n})
      return
    }
    if (action === 'complete') {
      const id = uploadId(fields.upload_id)
      const total = count(fields.total_chunks, 'total_chunks', 'Total chunks is required', 1)
      const dir = path.join(storage.chunked, id)
      const manifest = await readManifest(dir)
      const missing: number[] = []
      for (let i = 0; i < total; i++) if (!(await statFile(path.join(dir, `chunk-${i}`)))) missing.push(i)
      if (missing.length > 0) {
        throw new HttpError(
          400,
          `Missing chunks: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
        )
      }
      const target = await resolveFile(storage.disk(manifest.disk), manifest.path)
      async function* chunks() {
        for (let i = 0; i < total; i++)
          yield* createReadStream(path.join(dir, `chunk-${i}`), {highWaterMark: STREAM_HWM})
      }
      const staged = await storage.stage(chunks())
      await storage.commit(staged, target.abs)
      await storage.writeMeta(target.abs, {
        metadata: manifest.metadata,
        contentType: manifest.content_type,
        size: staged.size,
        sha256: staged.sha256,
      })
      await rm(dir, {recursive: true, force: true})
      log.info(
        rid,
        `Saved file to ${ctx.show(target.abs)} (${staged.size} bytes in ${total} chunks, sha256 ${staged.sha256})`,
      )
      sendJson(res, 200, {success: true, path: manifest.path, size: staged.size, chunks: total, sha256: staged.sha256})
      return
    }
    throw new HttpError(400, `Invalid action: ${JSON.stringify(action ?? '')} (expected init, chunk or complete)`)
  } catch (error) {
    if (file) await storage.discard(file)
    throw error
  }
}
