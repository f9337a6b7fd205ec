import {statSync} from 'node:fs'
import {sleep} from '../../util/sleep.js'
import {generatedBuffer} from '../generate.js'
import {multipartBody} from '../multipart.js'
import {type Check, type CheckContext, CheckFailure, CheckSkipped} from '../types.js'
import {openHolders, type WatchFinding, type WebWatcher} from '../watch.js'
import {expectJson, needWeb} from './expect.js'
import {seconds} from './pace.js'

// Over Django's 2.5 MiB in-memory limit, so a Django web would spool it to FILE_UPLOAD_TEMP_DIR.
const SPOOL_SIZE = 3 * 1024 * 1024
const FIRST_POLL_MS = 20
const MAX_POLL_MS = 500

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

interface Leftover {
  path: string
  size?: number
  /** Pids still holding it open when the wait ran out. */
  openBy?: number[]
}

function sizeNow(file: string): number | undefined {
  try {
    return statSync(file).size
  } catch {
    return undefined
  }
}

/**
 * Waits until web is done with its folders, once the check's own requests have all settled: every file the watch
 * found is either gone, or still there, closed by every process (when /proc can tell) and unchanged over two looks
 * in a row with no watch event between them. No fixed delay: a web still busy with a slow request (its spool file
 * open) is waited for, up to `limitMs`. Returns the files still there: the leftovers.
 */
export async function settle(
  watcher: WebWatcher,
  signal: AbortSignal,
  limitMs: number,
  now: () => number = () => performance.now(),
): Promise<Leftover[]> {
  const deadline = now() + limitMs
  let wait = FIRST_POLL_MS
  let previous = ''
  for (;;) {
    const generation = watcher.generation
    const remaining = watcher.findings().filter((f) => !f.gone)
    if (remaining.length === 0) return []
    const holders = openHolders(remaining.map((f) => f.path))
    const open = holders ? remaining.filter((f) => (holders.get(f.path) ?? []).length > 0) : []
    // What "unchanged" compares: the files still there, their sizes, and whether the watch saw anything since.
    const look = JSON.stringify([watcher.generation, remaining.map((f) => [f.path, sizeNow(f.path)])])
    const quiet = open.length === 0 && look === previous && generation === watcher.generation
    if (quiet || now() >= deadline)
      return remaining.map((f) => ({path: f.path, size: sizeNow(f.path) ?? f.size, openBy: holders?.get(f.path)}))
    previous = look
    await sleep(wait, signal)
    signal.throwIfAborted()
    wait = Math.min(MAX_POLL_MS, wait * 2)
  }
}

function describeLeftover(f: Leftover): string {
  const size = f.size === undefined ? 'size unknown' : `${f.size} bytes`
  return `${f.path} (${size}${f.openBy?.length ? `, still open by pid ${f.openBy.join(', ')}` : ''})`
}

/** Transient files (created and removed during requests), by watched folder: count and peak bytes. */
function transientSummary(watcher: WebWatcher, gone: WatchFinding[]): string[] {
  const byRoot = new Map<string, number>()
  for (const f of gone) {
    const root = watcher.rootOf(f.path)
    byRoot.set(root, (byRoot.get(root) ?? 0) + 1)
  }
  return [...byRoot].map(
    ([root, n]) =>
      `${n} file${n === 1 ? '' : 's'} created and removed in ${root} during requests (peak ${watcher.peakBytes(root)} bytes, ${mib(watcher.peakBytes(root))})`,
  )
}

async function spoolingUpload(ctx: CheckContext): Promise<unknown> {
  const data = generatedBuffer(SPOOL_SIZE, `${ctx.runId}/spool`)
  const up = await needWeb(ctx).request('upload', {
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
    return undefined
  } catch (error) {
    return error
  }
}

/**
 * 8. Web stores nothing: its folders (spool/temp dir, working storage) are watched for the whole run, which includes
 * the web round trip, the chunked and the large upload, plus one upload here above Django's spooling threshold.
 * Files still there once web's requests have ended are leftovers (FAIL, each named with its size). Files created and
 * removed during a request (Django spools uploads over 2.5 MiB) are transient: a WARN finding with count, peak bytes
 * and folder, or a failure with --strict.
 */
export const webStoresNothing: Check = {
  name: 'web-stores-nothing',
  title: 'web stores nothing',
  required: true,
  // Its own upload, then up to one more limit waiting for web to finish with its folders.
  timeoutMs: (_ctx, d) => 2 * d,
  async run(ctx) {
    needWeb(ctx)
    const watcher = ctx.watcher
    if (!watcher)
      throw new CheckSkipped("the web server's folders are not known here (remote web, or pass --watch DIR)")
    // The upload's own failure is reported after the watch: a file left in the spool matters more.
    const uploadError = await spoolingUpload(ctx)
    const started = performance.now()
    const leftovers = await settle(watcher, ctx.signal, ctx.stallMs)
    const waited = performance.now() - started
    const found = watcher.findings()
    const gone = found.filter((f) => f.gone && !leftovers.some((l) => l.path === f.path))
    const watched = watcher.dirs.filter((d) => !watcher.missing.includes(d))
    if (leftovers.length > 0) {
      throw new CheckFailure(
        `web left ${leftovers.length} file${leftovers.length === 1 ? '' : 's'} in its own folders after every request ended: ${leftovers.map(describeLeftover).join('; ')}`,
        `no file left in ${watched.join(', ')}`,
        `${leftovers.map(describeLeftover).join('; ')} (waited ${seconds(waited)} for web to finish)`,
      )
    }
    const transient = transientSummary(watcher, gone)
    if (gone.length > 0 && ctx.strict)
      throw new CheckFailure(
        `--strict: web wrote into its own folders during requests: ${transient.join('; ')}`,
        `no file created in ${watched.join(', ')}, even for a moment`,
        transient.join('; '),
      )
    if (uploadError) throw uploadError
    if (watched.length === 0) throw new CheckSkipped(`none of the watched folders exist: ${watcher.missing.join(', ')}`)
    const note = watcher.missing.length > 0 ? ` (missing, not watched: ${watcher.missing.join(', ')})` : ''
    if (gone.length > 0) {
      ctx.finding({severity: 'WARN', id: 'web-transient-spooling', detail: transient.join('; ')})
      return {
        detail: `nothing left in ${watched.join(', ')}; transient spooling: ${transient.join('; ')}${note}`,
        metrics: {transientFiles: gone.length},
      }
    }
    return {detail: `nothing created in ${watched.join(', ')} during the run${note}`}
  },
}
