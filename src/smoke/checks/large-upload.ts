import {TransportError} from '../client.js'
import {generatedStream, HashingStream} from '../generate.js'
import {multipartBody} from '../multipart.js'
import {type Check, CheckFailure} from '../types.js'
import {expectDownload, expectJson, needWeb, show} from './expect.js'
import {ANSWER_FACTOR, DOWNLOAD_FACTOR, SLOW_FACTOR, seconds, TransferWatch} from './pace.js'

const MiB = 1024 * 1024

function mbps(bytes: number, ms: number): number {
  return Math.round((bytes / 1e6 / Math.max(ms, 1)) * 1000 * 10) / 10
}

/** Runs one watched transfer: a stall or an overrun becomes the watch's CheckFailure, not a bare "aborted". */
async function watched<T>(watch: TransferWatch, transfer: () => Promise<T>): Promise<T> {
  try {
    return await transfer()
  } catch (error) {
    const failure = watch.failure()
    if (failure && error instanceof TransportError) throw failure
    throw error
  } finally {
    watch.stop()
  }
}

/**
 * 7. A large upload through web (--size, 64 MiB by default), generated and hashed on the fly: nothing is held in
 * memory or written to a local file. Reports throughput both ways. No fixed rate: the upload fails when no byte
 * moves for the run's per-check limit, or when its answer takes over ANSWER_FACTOR× the sending; the download when
 * it stalls once under way, or takes over DOWNLOAD_FACTOR× the upload (at least twice the stall time). A download SLOW_FACTOR× slower than the
 * upload is a WARN finding with both rates (the depot's web assembles downloads quadratically).
 */
export const largeUpload: Check = {
  name: 'large-upload',
  title: 'large streamed upload through web',
  required: true,
  // It judges its own transfers (stalls and limits derived from what it measures).
  timeoutMs: () => Number.POSITIVE_INFINITY,
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
    const upWatch = new TransferWatch('upload', ctx.stallMs, ctx.signal)
    const up = await watched(upWatch, () =>
      client.request('upload', {
        method: 'POST',
        multipart: body,
        signal: upWatch.signal,
        onUploadProgress: (sent) => {
          upWatch.progress(sent)
          if (sent >= body.length && upWatch.state.deadline === Number.POSITIVE_INFINITY) {
            const sendMs = upWatch.elapsed()
            const wait = Math.max(ctx.stallMs, ANSWER_FACTOR * sendMs)
            upWatch.deadlineIn(wait, `${seconds(wait)} of the body being sent (${ANSWER_FACTOR}× the sending)`)
          }
        },
      }),
    )
    const upBody = expectJson('upload', up, {success: true})
    if (upBody.size !== ctx.size) throw new CheckFailure('upload: wrong size', `size ${ctx.size}`, show(up))
    const sent = source.digest()

    const downWatch = new TransferWatch('download', ctx.stallMs, ctx.signal)
    // At least twice the stall time: a download that stalls once under way is then told as a stall, not as an
    // overrun of a limit that fell due at the same moment (a fast upload made both 1× the stall time).
    const limit = Math.max(2 * ctx.stallMs, DOWNLOAD_FACTOR * up.ms)
    downWatch.deadlineIn(limit, `${seconds(limit)} (${DOWNLOAD_FACTOR}× the upload's ${seconds(up.ms)})`)
    const down = await watched(downWatch, () =>
      client.download({path: file, disk: 'uploads'}, downWatch.signal, (received) => {
        // Silence before the first byte is the server assembling the file: only the limit applies to it.
        if (downWatch.state.bytes === 0) downWatch.arm(true)
        downWatch.progress(received)
      }),
    )
    expectDownload(down, ctx.size, sent)
    const upRate = mbps(ctx.size, up.ms)
    const downRate = mbps(ctx.size, down.ms)
    if (down.ms > SLOW_FACTOR * up.ms)
      ctx.finding({
        severity: 'WARN',
        id: 'slow-download',
        detail: `a ${(ctx.size / MiB).toFixed(1)} MiB download through web ran at ${downRate} MB/s, its upload at ${upRate} MB/s (over ${SLOW_FACTOR}× slower)`,
      })
    return {
      detail: `${(ctx.size / MiB).toFixed(1)} MiB up at ${upRate} MB/s, down at ${downRate} MB/s, sha256 equal`,
      metrics: {bytes: ctx.size, uploadMBps: upRate, downloadMBps: downRate, uploadMs: up.ms, downloadMs: down.ms},
    }
  },
}
