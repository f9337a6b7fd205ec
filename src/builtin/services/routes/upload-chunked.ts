/**
 * POST upload_chunked: `init` opens a staging folder temp/chunked/<upload_id>/, `chunk` stores one numbered chunk
 * there (a repeated chunk_num is ignored: the depot's client retries POSTs), `complete` streams the chunks in order
 * into one temp file, hashing as it goes, and renames it into place. Staging folders the client abandons are
 * removed by `cleanup`.
 */
import {randomUUID} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, readdir, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {HttpError, sendJson, shown} from '../../http-util.js'
import {type DiskName, parseDisk, resolveFile} from '../../paths.js'
import {STREAM_HWM} from '../../storage.js'
import type {RouteContext} from '../context.js'
import {parseMetadata, receiveForm} from '../form.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/**
 * The most chunks one upload may have. The depot's client sends 50 MiB chunks, so this allows about 490 GiB; it
 * bounds the work of `complete` and the size of its error answer.
 */
export const MAX_CHUNKS = 10_000

interface Manifest {
  path: string
  disk: DiskName
  content_type: string
  metadata: Record<string, unknown>
  created_at: string
}

function uploadId(value: string | undefined): string {
  if (value === undefined || value === '') throw new HttpError(400, 'Upload ID is required')
  if (!UUID.test(value)) throw new HttpError(400, `Invalid upload_id: ${shown(value)} is not a UUID`)
  return value.toLowerCase()
}

/** A whole number in [min, max] from a form field; missing: `missing`; otherwise 400 naming the field and range. */
function count(value: string | undefined, field: string, missing: string, min: number, max: number): number {
  if (value === undefined || value === '') throw new HttpError(400, missing)
  const n = /^\d{1,9}$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!(n >= min && n <= max)) {
    throw new HttpError(
      400,
      `Invalid ${field}: ${shown(value)} (expected a whole number from ${min} to at most ${max})`,
    )
  }
  return n
}

const CHUNK_FILE = /^chunk-(\d+)$/

/** The chunk numbers below `total` not received yet, from one listing of the staging folder. */
async function missingChunks(dir: string, total: number): Promise<number[]> {
  const have = new Set<number>()
  for (const name of await readdir(dir)) {
    const m = CHUNK_FILE.exec(name)
    if (m) have.add(Number(m[1]))
  }
  const missing: number[] = []
  for (let i = 0; i < total; i++) if (!have.has(i)) missing.push(i)
  return missing
}

const notFound = () => new HttpError(404, 'Upload not found (unknown upload_id, already completed, or cleaned up)')

async function readManifest(dir: string): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest
  } catch {
    throw notFound()
  }
}

export async function uploadChunked(ctx: RouteContext): Promise<void> {
  const {req, res, storage, log, rid} = ctx
  const {fields, file} = await receiveForm(req, storage, 'chunk')
  try {
    const action = fields.action
    if (action === 'init') {
      const disk = parseDisk(fields.disk, 'uploads')
      await resolveFile(storage.disk(disk), fields.path, {write: true})
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
      const n = count(fields.chunk_num, 'chunk_num', 'Chunk number is required', 0, MAX_CHUNKS - 1)
      if (!file) throw new HttpError(400, 'Chunk is required')
      const dir = path.join(storage.chunked, id)
      await readManifest(dir)
      // The first copy stored wins, also when two arrive at once (the depot's client retries POSTs).
      const stored = await storage.commitExclusive(file, path.join(dir, `chunk-${n}`)).catch((error) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound() // completed or cleaned up meanwhile
        throw error
      })
      if (stored) {
        log.info(rid, `Internal API: chunk ${n} of ${id} (${file.size} bytes)`)
      } else {
        log.info(rid, `Internal API: chunk ${n} of ${id} arrived again; ignored, the first copy is kept`)
      }
      sendJson(res, 200, {success: true, chunk_num: n})
      return
    }
    if (action === 'complete') {
      const id = uploadId(fields.upload_id)
      const total = count(fields.total_chunks, 'total_chunks', 'Total chunks is required', 1, MAX_CHUNKS)
      const dir = path.join(storage.chunked, id)
      const manifest = await readManifest(dir)
      const missing = await missingChunks(dir, total)
      if (missing.length > 0) {
        throw new HttpError(
          400,
          `Missing chunks: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''} (${missing.length} of ${total} missing)`,
        )
      }
      const target = await resolveFile(storage.disk(manifest.disk), manifest.path, {write: true})
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
