/**
 * The services role's storage folders exist (or can be created) and are writable, with free disk space on them.
 * "Writable" is tested by writing: access() says yes to root for nearly everything, a real write does not lie.
 * `--fix` creates the missing folders that can be created, and nothing else.
 */
import {closeSync, existsSync, mkdirSync, openSync, rmSync, statfsSync, statSync} from 'node:fs'
import path from 'node:path'
import type {PlannedServer} from '../../config/plan.js'
import {parseSize} from '../../util/duration.js'
import {type CheckResult, type ConfiguredContext, result} from '../types.js'
import {configuredCheck} from './configured.js'

const ID = 'storage'
const GiB = 1024 ** 3
/** The built-in layout below the storage root (the seed's). */
export const STORAGE_SUBFOLDERS = ['uploads', 'processed', 'temp']
const NAS_VARS = ['NAS_WORKSPACE_PATH', 'NAS_UPLOADS_PATH', 'NAS_REPORTS_PATH']

export function storageFolders(ctx: ConfiguredContext): {folder: string; why: string}[] {
  const services = ctx.plan.units.find((u): u is PlannedServer => u.kind === 'server' && u.role === 'services')
  if (!services) return []
  const out = new Map<string, string>()
  const root = ctx.plan.storageRoot
  out.set(root, 'storage root')
  for (const sub of STORAGE_SUBFOLDERS) out.set(path.join(root, sub), `${sub}/ of the storage root`)
  for (const name of NAS_VARS) {
    const value = services.env[name]
    if (value) {
      const folder = path.resolve(services.cwd, value)
      if (!out.has(folder)) out.set(folder, name)
    }
  }
  return [...out].map(([folder, why]) => ({folder, why}))
}

/** The deepest existing path at or above `target`. */
function nearestExisting(target: string): string {
  let cur = target
  while (!existsSync(cur) && path.dirname(cur) !== cur) cur = path.dirname(cur)
  return cur
}

function probeWrite(folder: string): string | undefined {
  const file = path.join(folder, `.naaccord-doctor-${process.pid}-${Date.now()}`)
  try {
    closeSync(openSync(file, 'wx'))
    rmSync(file, {force: true})
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message
  }
}

function checkFolder(folder: string, why: string): CheckResult {
  const subject = folder
  const label = `${why} ${folder}`
  if (existsSync(folder)) {
    if (!statSync(folder).isDirectory())
      return result(ID, 'error', `${label} is not a folder`, {subject, fix: `move ${folder} out of the way`})
    const err = probeWrite(folder)
    if (err)
      return result(ID, 'error', `${label} is not writable (${err})`, {
        subject,
        detail: ['the services server stores every upload here'],
        fix:
          err === 'EROFS' ? 'point storage (or the NAS_* variable) at a writable file system' : `chmod u+w ${folder}`,
      })
    return result(ID, 'ok', `${label} is writable`, {subject})
  }
  const base = nearestExisting(folder)
  if (!statSync(base).isDirectory())
    return result(ID, 'error', `${label} cannot be created: ${base} is a file, not a folder`, {
      subject,
      fix: `point storage (or ${why.startsWith('NAS_') ? why : 'the storage setting'}) somewhere else, or move ${base} away`,
    })
  const err = probeWrite(base)
  if (err) return result(ID, 'error', `${label} cannot be created: ${base} is not writable (${err})`, {subject})
  return result(ID, 'warn', `${label} does not exist yet`, {
    subject,
    detail: [why],
    fix: `mkdir -p ${folder}`,
    fixable: true,
  })
}

/**
 * One warning for all the folders that are missing but can be created (a fresh checkout lacks them all), at
 * the place of the first; the fix is one `mkdir -p` of the deepest ones, which creates everything above them.
 */
function groupMissing(results: CheckResult[], root: string): CheckResult[] {
  const missing = results.filter((r) => r.fixable && r.subject)
  if (missing.length <= 1) return results
  const paths = missing.map((r) => r.subject as string)
  const leaves = paths.filter((p) => !paths.some((q) => q.startsWith(`${p}${path.sep}`)))
  const grouped: CheckResult = {
    ...missing[0],
    subject: 'missing',
    message: `${paths.length} storage folders do not exist yet`,
    detail: missing.map((r) => `${path.relative(root, r.subject as string) || '.'} (${r.detail?.[0] ?? ''})`),
    fix: `mkdir -p ${leaves.join(' ')}`,
  }
  const out: CheckResult[] = []
  for (const r of results) {
    if (r === missing[0]) out.push(grouped)
    else if (!missing.includes(r)) out.push(r)
  }
  return out
}

function checkSpace(folders: string[], needBytes: number): CheckResult[] {
  const seen = new Map<number, string>()
  for (const folder of folders) {
    const at = nearestExisting(folder)
    try {
      const dev = statSync(at).dev
      if (!seen.has(dev)) seen.set(dev, at)
    } catch {}
  }
  const out: CheckResult[] = []
  for (const at of seen.values()) {
    let free: number
    try {
      const fs = statfsSync(at)
      free = fs.bavail * fs.bsize
    } catch {
      continue
    }
    const text = `${(free / GiB).toFixed(1)} GiB free at ${at}`
    const subject = `space:${at}`
    if (free < needBytes)
      out.push(result(ID, 'error', `only ${text}: not enough for the smoke test's upload`, {subject}))
    else if (free < GiB) out.push(result(ID, 'warn', `only ${text}`, {subject}))
    else out.push(result(ID, 'ok', text, {subject}))
  }
  return out
}

export const storageCheck = configuredCheck({
  id: ID,
  title: 'Storage folders',
  async run(ctx) {
    const folders = storageFolders(ctx)
    if (folders.length === 0) return result(ID, 'skip', 'no services server: nothing stores files')
    const smoke = parseSize(ctx.plan.smoke.size) ?? 64 * 1024 ** 2
    return [
      ...groupMissing(
        folders.map((f) => checkFolder(f.folder, f.why)),
        ctx.plan.root,
      ),
      ...checkSpace(
        folders.map((f) => f.folder),
        2 * smoke,
      ),
    ]
  },
  async fix(ctx) {
    // Re-derived rather than taken from the results: every missing folder that can be created, nothing else.
    const done: string[] = []
    for (const {folder, why} of storageFolders(ctx)) {
      if (existsSync(folder) || !checkFolder(folder, why).fixable) continue
      mkdirSync(folder, {recursive: true})
      done.push(`created ${folder}`)
    }
    return done
  },
})
