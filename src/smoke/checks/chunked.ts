import {generatedBuffer, sha256} from '../generate.js'
import {multipartBody} from '../multipart.js'
import {type Check, CheckFailure} from '../types.js'
import {expectDownload, expectJson, needWeb, show} from './expect.js'

const CHUNK = 256 * 1024
const CHUNKS = 4
const LAST = 100 * 1024 + 7

/** 6. upload_chunked through web: init, four chunks (the last one short), complete; then download and compare. */
export const chunked: Check = {
  name: 'chunked',
  title: 'chunked upload through web',
  required: true,
  async run(ctx) {
    const client = needWeb(ctx)
    const signal = ctx.signal
    const file = `${ctx.prefix}/chunked/sample.bin`
    const total = CHUNK * (CHUNKS - 1) + LAST
    const data = generatedBuffer(total, `${ctx.runId}/chunked`)

    const init = await client.request('upload_chunked', {
      method: 'POST',
      multipart: multipartBody([
        ['action', 'init'],
        ['path', file],
        ['content_type', 'application/octet-stream'],
        ['metadata', JSON.stringify({source: 'naaccord test-streaming'})],
        ['disk', 'uploads'],
      ]),
      signal,
    })
    const uploadId = expectJson('init', init, {success: true}).upload_id
    if (typeof uploadId !== 'string' || uploadId === '')
      throw new CheckFailure('init: no upload_id', 'an upload_id', show(init))

    for (let n = 0; n < CHUNKS; n++) {
      const part = data.subarray(n * CHUNK, Math.min(total, (n + 1) * CHUNK))
      const res = await client.request('upload_chunked', {
        method: 'POST',
        multipart: multipartBody(
          [
            ['action', 'chunk'],
            ['upload_id', uploadId],
            ['chunk_num', String(n)],
          ],
          {field: 'chunk', filename: 'chunk', contentType: 'application/octet-stream', size: part.length, data: part},
        ),
        signal,
      })
      expectJson(`chunk ${n}`, res, {success: true})
    }

    const done = await client.request('upload_chunked', {
      method: 'POST',
      multipart: multipartBody([
        ['action', 'complete'],
        ['upload_id', uploadId],
        ['total_chunks', String(CHUNKS)],
      ]),
      signal,
    })
    const doneBody = expectJson('complete', done, {success: true})
    if (doneBody.size !== total) throw new CheckFailure('complete: wrong size', `size ${total}`, show(done))

    const down = await client.download({path: file, disk: 'uploads'}, signal)
    expectDownload(down, total, sha256(data), 'download: the assembled file differs from the chunks sent')
    return {detail: `${CHUNKS} chunks, ${total} bytes assembled, download sha256 equal`}
  },
}
