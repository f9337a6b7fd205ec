import {generatedStream, HashingStream} from '../generate.js'
import {multipartBody} from '../multipart.js'
import {type Check, CheckFailure} from '../types.js'
import {expectJson, needWeb, show} from './expect.js'

const MiB = 1024 * 1024

function mbps(bytes: number, ms: number): number {
  return Math.round((bytes / 1e6 / Math.max(ms, 1)) * 1000 * 10) / 10
}

/**
 * 7. A large upload through web (--size, 64 MiB by default), generated and hashed on the fly: nothing is held in
 * memory or written to a local file. Reports throughput both ways.
 */
export const largeUpload: Check = {
  name: 'large-upload',
  title: 'large streamed upload through web',
  required: true,
  // Generous: a slow staging link at 2 MiB/s still finishes; the per-check limit still catches a hang.
  timeoutMs: (ctx, d) => Math.max(d, 30_000 + (ctx.size / (2 * MiB)) * 1000),
  async run(ctx) {
    const client = needWeb(ctx)
    const file = `${ctx.prefix}/large/sample.bin`
    const source = new HashingStream()
    generatedStream(ctx.size, `${ctx.runId}/large`).pipe(source)
    const body = multipartBody(
      [
        ['path', file],
        ['content_type', 'application/octet-stream'],
        ['disk', 'uploads'],
      ],
      {field: 'file', filename: 'file', contentType: 'application/octet-stream', size: ctx.size, data: source},
    )
    const up = await client.request('upload', {method: 'POST', multipart: body, signal: ctx.signal})
    const upBody = expectJson('upload', up, {success: true})
    if (upBody.size !== ctx.size) throw new CheckFailure('upload: wrong size', `size ${ctx.size}`, show(up))
    const sent = source.digest()

    const down = await client.download({path: file, disk: 'uploads'}, ctx.signal)
    if (down.status !== 200)
      throw new CheckFailure(
        `download: got ${down.status}`,
        'status 200 and the bytes',
        `${down.status} ${down.text ?? ''}`,
      )
    if (down.sha256 !== sent)
      throw new CheckFailure(
        'download: the bytes differ from the upload',
        `${ctx.size} bytes, sha256 ${sent}`,
        `${down.bytes} bytes, sha256 ${down.sha256}`,
      )
    const upRate = mbps(ctx.size, up.ms)
    const downRate = mbps(ctx.size, down.ms)
    return {
      detail: `${(ctx.size / MiB).toFixed(1)} MiB up at ${upRate} MB/s, down at ${downRate} MB/s, sha256 equal`,
      metrics: {bytes: ctx.size, uploadMBps: upRate, downloadMBps: downRate, uploadMs: up.ms, downloadMs: down.ms},
    }
  },
}
