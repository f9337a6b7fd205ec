/**
 * POST cleanup: removes what was staged in temp/ longer than `hours` ago: abandoned chunked uploads and stray
 * partial files. Anything being written right now is kept whatever its age. A dry run reports what it would remove.
 */
import {readdir, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {HttpError, isTrue, readJsonObject, sendJson} from '../../http-util.js'
import type {RouteContext} from '../context.js'

function hoursOf(value: unknown): number {
  if (value === undefined || value === null) return 4
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new HttpError(400, `Invalid hours: ${JSON.stringify(value)} (expected a number of hours, 0 or more)`)
  }
  return n
}

export async function cleanup(ctx: RouteContext): Promise<void> {
  const {req, res, storage, log, rid} = ctx
  const body = await readJsonObject(req)
  const hours = hoursOf(body.hours)
  const dryRun = isTrue(body.dry_run)
  const cutoff = Date.now() - hours * 3_600_000
  const candidates: string[] = []
  const entries = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).map((n) => path.join(dir, n))
  for (const entry of [...(await entries(storage.temp)), ...(await entries(storage.chunked))]) {
    if (entry === storage.chunked || storage.isActive(entry)) continue
    const st = await stat(entry).catch(() => undefined)
    if (st && st.mtimeMs <= cutoff) candidates.push(entry)
  }
  const cleaned: string[] = []
  const failed: string[] = []
  for (const entry of candidates) {
    const shown = path.relative(storage.root, entry).split(path.sep).join('/')
    if (dryRun) cleaned.push(shown)
    else
      await rm(entry, {recursive: true, force: true}).then(
        () => cleaned.push(shown),
        () => failed.push(shown),
      )
  }
  log.info(
    rid,
    `Internal API: cleanup older than ${hours}h${dryRun ? ' (dry run)' : ''}: ${cleaned.length} of ${candidates.length}`,
  )
  sendJson(res, 200, {
    success: true,
    result: {
      found: candidates.length,
      cleaned: cleaned.length,
      failed: failed.length,
      cleaned_paths: cleaned,
      failed_paths: failed,
      dry_run: dryRun,
    },
  })
}
