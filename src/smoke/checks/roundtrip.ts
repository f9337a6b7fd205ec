/**
 * The whole life of one file through one server's routes: upload, exists, metadata, list, download (SHA-256
 * compared), delete, delete again. Shared by the services round trip (4) and the web one (5).
 */
import type {StorageClient} from '../client.js'
import {generatedBuffer, sha256} from '../generate.js'
import {multipartBody} from '../multipart.js'
import {type CheckContext, CheckFailure, type CheckOutcome} from '../types.js'
import {expectDownload, expectJson, expectStatus, show} from './expect.js'

const SIZE = 200 * 1024 + 123
/** Stored as the file's content_type: a download should carry it back (the depot's web answers octet-stream). */
const CONTENT_TYPE = 'text/csv'

/**
 * The `metadata` answer's inner object: `{success, path, metadata: {size…}}`, or the depot's web's double wrap
 * `{success, path, metadata: {success, path, metadata: {size…}}}` (its client returns the whole envelope and the view
 * wraps it again). `doubleWrapped` says which one came back.
 */
export function unwrapMetadata(body: Record<string, unknown>): {
  metadata?: Record<string, unknown>
  doubleWrapped: boolean
} {
  const outer = body.metadata
  if (outer === null || typeof outer !== 'object') return {doubleWrapped: false}
  const o = outer as Record<string, unknown>
  const inner = o.metadata
  if (!('size' in o) && 'success' in o && inner !== null && typeof inner === 'object')
    return {metadata: inner as Record<string, unknown>, doubleWrapped: true}
  return {metadata: o, doubleWrapped: false}
}

function mediaType(value: unknown): string {
  return String(value ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase()
}

/** The `.meta` sidecar's sha256 against the bytes sent (the depot's is wrong for plain multipart uploads). */
async function checkSidecar(ctx: CheckContext, client: StorageClient, file: string, digest: string): Promise<void> {
  const res = await client.request('download', {query: {path: `${file}.meta`, disk: 'uploads'}, signal: ctx.signal})
  const sidecar = res.status === 200 ? (res.json as {sha256?: unknown} | undefined) : undefined
  const recorded = sidecar?.sha256
  if (typeof recorded === 'string' && recorded.toLowerCase() !== digest)
    ctx.finding({
      severity: 'WARN',
      id: 'meta-sha256-wrong',
      detail: `the .meta sidecar of a multipart upload records sha256 ${recorded.slice(0, 16)}…, the bytes are ${digest.slice(0, 16)}… (compare downloads, not .meta)`,
    })
}

/** `list` answers paths as strings, or as {path,…} with include_metadata; with or without the disk's name. */
export function listedPaths(body: Record<string, unknown>): string[] {
  const files = Array.isArray(body.files) ? body.files : []
  return files
    .map((f) => (typeof f === 'string' ? f : typeof f === 'object' && f && 'path' in f ? String(f.path) : ''))
    .map((p) => p.replace(/^uploads\//, ''))
}

export async function roundTrip(ctx: CheckContext, client: StorageClient): Promise<CheckOutcome> {
  const signal = ctx.signal
  const file = `${ctx.prefix}/${client.role}-roundtrip/sample.bin`
  const data = generatedBuffer(SIZE, `${ctx.runId}/${client.role}`)
  const digest = sha256(data)
  const body = multipartBody(
    [
      ['path', file],
      ['content_type', CONTENT_TYPE],
      ['metadata', JSON.stringify({source: 'naaccord test-streaming', run: ctx.runId})],
      ['disk', 'uploads'],
    ],
    {field: 'file', filename: 'file', contentType: 'application/octet-stream', size: data.length, data},
  )
  const up = await client.request('upload', {method: 'POST', multipart: body, signal})
  const upBody = expectJson('upload', up, {success: true})
  if (upBody.size !== SIZE) throw new CheckFailure('upload: wrong size', `size ${SIZE}`, show(up))

  const ex = await client.request('exists', {query: {path: file, disk: 'uploads'}, signal})
  expectJson('exists after upload', ex, {exists: true})

  const meta = await client.request('metadata', {query: {path: file}, signal})
  const metaBody = expectJson('metadata', meta, {success: true})
  const {metadata, doubleWrapped} = unwrapMetadata(metaBody)
  if (metadata?.size !== SIZE) throw new CheckFailure('metadata: wrong size', `metadata.size ${SIZE}`, show(meta))
  if (doubleWrapped)
    ctx.finding({
      severity: 'INFO',
      id: 'metadata-double-wrapped',
      detail: `${client.role}'s metadata answer is wrapped twice: {"success","path","metadata":{"success","path","metadata":{"size",…}}}`,
    })

  const dir = `${ctx.prefix}/${client.role}-roundtrip/`
  const list = await client.request('list', {query: {prefix: dir}, signal})
  const listed = listedPaths(expectJson('list', list, {success: true}))
  if (!listed.includes(file))
    throw new CheckFailure('list: the uploaded file is missing', `files to include ${file}`, show(list))

  const down = await client.download({path: file, disk: 'uploads'}, signal)
  expectDownload(down, SIZE, digest)
  const type = mediaType(down.headers['content-type'])
  if (type !== CONTENT_TYPE) {
    const depotWeb = type === 'application/octet-stream' && client.role === 'web'
    ctx.finding({
      severity: depotWeb ? 'INFO' : 'WARN',
      id: depotWeb ? 'web-download-octet-stream' : `${client.role}-download-content-type`,
      detail: `downloads through ${client.role} carry Content-Type ${type || '(none)'}, not the stored ${CONTENT_TYPE}`,
    })
  }
  await checkSidecar(ctx, client, file, digest)

  const del = await client.request('delete', {method: 'POST', json: {path: file, disk: 'uploads'}, signal})
  expectJson('delete', del, {success: true})
  const again = await client.request('delete', {method: 'POST', json: {path: file, disk: 'uploads'}, signal})
  expectStatus('delete again', again, 200)
  expectJson('delete again (already gone)', again, {success: false})

  return {
    detail: `${SIZE} bytes up, exists, metadata, list, down (sha256 equal), delete, delete again → success:false`,
    metrics: {bytes: SIZE, downloadMs: down.ms},
  }
}
