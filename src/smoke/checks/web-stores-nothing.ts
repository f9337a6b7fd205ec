import {sleep} from '../../util/sleep.js'
import {generatedBuffer} from '../generate.js'
import {multipartBody} from '../multipart.js'
import {type Check, CheckFailure, CheckSkipped} from '../types.js'
import type {WatchFinding} from '../watch.js'
import {expectJson, needWeb} from './expect.js'

// Over Django's 2.5 MiB in-memory limit, so a Django web would spool it to FILE_UPLOAD_TEMP_DIR.
const SPOOL_SIZE = 3 * 1024 * 1024

function describe(f: WatchFinding): string {
  const size = f.size === undefined ? 'size unknown (removed at once)' : `${f.size} bytes`
  return `${f.path} (${size}${f.gone ? ', since removed' : ''})`
}

/**
 * 8. Web stores nothing: its folders (spool/temp dir, working storage) are watched for the whole run, which includes
 * the web round trip, the chunked and the large upload, plus one upload here above Django's spooling threshold.
 */
export const webStoresNothing: Check = {
  name: 'web-stores-nothing',
  title: 'web stores nothing',
  required: true,
  async run(ctx) {
    const client = needWeb(ctx)
    const watcher = ctx.watcher
    if (!watcher)
      throw new CheckSkipped("the web server's folders are not known here (remote web, or pass --watch DIR)")
    const data = generatedBuffer(SPOOL_SIZE, `${ctx.runId}/spool`)
    // The upload's own failure is reported after the watch: a file left in the spool matters more.
    let uploadError: unknown
    const up = await client.request('upload', {
      method: 'POST',
      multipart: multipartBody(
        [
          ['path', `${ctx.prefix}/spool/sample.bin`],
          ['disk', 'uploads'],
        ],
        {field: 'file', filename: 'file', contentType: 'application/octet-stream', size: data.length, data},
      ),
      signal: ctx.signal,
    })
    try {
      expectJson('upload through web', up, {success: true})
    } catch (error) {
      uploadError = error
    }
    // Give a slow spool cleanup its moment to show up in the watch.
    await sleep(150)
    const found = watcher.findings()
    const watched = watcher.dirs.filter((d) => !watcher.missing.includes(d))
    if (found.length > 0) {
      throw new CheckFailure(
        `web wrote ${found.length} file${found.length === 1 ? '' : 's'} into its own folders: ${found.map(describe).join('; ')}`,
        `no file created in ${watched.join(', ')}`,
        found.map(describe).join('; '),
      )
    }
    if (uploadError) throw uploadError
    if (watched.length === 0) throw new CheckSkipped(`none of the watched folders exist: ${watcher.missing.join(', ')}`)
    const note = watcher.missing.length > 0 ? ` (missing, not watched: ${watcher.missing.join(', ')})` : ''
    return {detail: `nothing created in ${watched.join(', ')} during the run${note}`}
  },
}
