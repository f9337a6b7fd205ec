/**
 * The whole life of one file through one server's routes: upload, exists, metadata, list, download (SHA-256
 * compared), delete, delete again. Shared by the services round trip (4) and the web one (5).
 */
import type {StorageClient} from '../client.js'
import {generatedBuffer, sha256} from '../generate.js'
import {multipartBody} from '../multipart.js'
import {type CheckContext, CheckFailure, type CheckOutcome} from '../types.js'
import {expectJson, expectStatus, show} from './expect.js'

const SIZE = 200 * 1024 + 123

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
      ['content_type', 'application/octet-stream'],
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
  const size = (metaBody.metadata as {size?: unknown} | undefined)?.size
  if (size !== SIZE) throw new CheckFailure('metadata: wrong size', `metadata.size ${SIZE}`, show(meta))

  const dir = `${ctx.prefix}/${client.role}-roundtrip/`
  const list = await client.request('list', {query: {prefix: dir}, signal})
  const listed = listedPaths(expectJson('list', list, {success: true}))
  if (!listed.includes(file))
    throw new CheckFailure('list: the uploaded file is missing', `files to include ${file}`, show(list))

  const down = await client.download({path: file, disk: 'uploads'}, signal)
  if (down.status !== 200)
    throw new CheckFailure(
      `download: got ${down.status}`,
      'status 200 and the bytes',
      `${down.status} ${down.text ?? ''}`,
    )
  if (down.sha256 !== digest)
    throw new CheckFailure(
      'download: the bytes differ from the upload',
      `${SIZE} bytes, sha256 ${digest}`,
      `${down.bytes} bytes, sha256 ${down.sha256}`,
    )

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
