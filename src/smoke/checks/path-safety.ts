/**
 * 9. Hostile paths are refused (any non-2xx: the depot answers 500, the built-in servers 400) and nothing outside
 * the run's prefix changes. Writes and deletes only ever name files that do not exist (a unique escape-<run> file
 * name), never a folder or a disk root, so a server that fails this check still cannot lose data to it.
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {DISKS as BUILTIN_DISKS} from '../../builtin/paths.js'
import type {Plan, PlannedServer} from '../../config/plan.js'
import type {HttpResult, StorageClient} from '../client.js'
import {multipartBody} from '../multipart.js'
import {type Check, type CheckContext, CheckFailure} from '../types.js'
import {expectJson, needServices, show} from './expect.js'

/** Paths that try to write outside the storage root; every one names a file that must not come to exist. */
export function escapingPaths(ctx: Pick<CheckContext, 'prefix' | 'runId'>): string[] {
  const name = `naaccord-escape-${ctx.runId}.txt`
  return [
    `../${name}`,
    `../../${name}`,
    `../../../../../../../../tmp/${name}`,
    `/tmp/${name}`,
    `${ctx.prefix}/../../../${name}`,
    `uploads/../../${name}`,
    `scratch/../../${name}`,
    `./../${name}`,
    `${ctx.prefix}/../../../../../../${name}`,
    `${ctx.prefix}/a\0b/${name}`,
    `${ctx.prefix}/\0${name}`,
  ]
}

/** Paths that try to read outside the root (downloads and exists only). */
export function readingPaths(ctx: Pick<CheckContext, 'prefix' | 'runId'>): string[] {
  return [
    ...escapingPaths(ctx),
    '/etc/passwd',
    '../../../../../../../../etc/passwd',
    `${ctx.prefix}/../../../../../../../../etc/passwd`,
    '..',
    '../',
  ]
}

type Snapshot = Map<string, string>

async function snapshot(client: StorageClient, ctx: CheckContext): Promise<Snapshot> {
  const res = await client.request('list', {query: {prefix: '', include_metadata: 'true'}, signal: ctx.signal})
  const body = expectJson('list of the uploads disk', res, {success: true})
  const out: Snapshot = new Map()
  for (const f of Array.isArray(body.files) ? body.files : []) {
    const entry = typeof f === 'string' ? {path: f} : (f as {path?: string; size?: number; mtime?: unknown})
    const p = String(entry.path ?? '')
    if (p.replace(/^uploads\//, '').startsWith(`${ctx.prefix}/`)) continue
    out.set(p, `${String(entry.size ?? '')}@${String(entry.mtime ?? '')}`)
  }
  return out
}

function diff(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = []
  for (const [p, v] of after)
    if (!before.has(p)) changes.push(`added ${p}`)
    else if (before.get(p) !== v) changes.push(`changed ${p}`)
  for (const p of before.keys()) if (!after.has(p)) changes.push(`removed ${p}`)
  return changes
}

function refused(res: HttpResult): boolean {
  return res.status < 200 || res.status >= 300
}

/**
 * services' own disk roots on this machine, from its resolved env in the plan: every `NAS_*_PATH` (the depot's
 * NAS_UPLOADS_PATH, NAS_WORKSPACE_PATH, NAS_REPORTS_PATH, …), resolved against its working folder.
 */
export function servicesDiskRoots(plan: Pick<Plan, 'units'>): string[] {
  const services = plan.units.find((u): u is PlannedServer => u.kind === 'server' && u.role === 'services')
  if (!services) return []
  return Object.entries(services.env)
    .filter(([name, value]) => /^NAS_[A-Z0-9_]+_PATH$/.test(name) && value !== '')
    .map(([, value]) => path.resolve(services.cwd, value))
}

/**
 * The folders services resolves paths against on this machine: its real disk roots (the depot's NAS_*_PATH, from
 * its resolved env in the plan) and, for the built-in layout, the storage root and its disk folders.
 */
export function diskBases(ctx: Pick<CheckContext, 'storageRoot' | 'diskRoots'>): string[] {
  const out = new Set<string>(ctx.diskRoots ?? [])
  if (ctx.storageRoot) {
    out.add(ctx.storageRoot)
    for (const disk of BUILTIN_DISKS) out.add(path.join(ctx.storageRoot, disk))
  }
  return [...out]
}

/** Where an escaping write would land on this machine (only when services' folders are local). */
export function localLandingSpots(bases: string[], paths: string[]): string[] {
  const out = new Set<string>()
  for (const p of paths) {
    if (p.includes('\0')) continue
    for (const base of bases) {
      out.add(path.resolve(base, p.replace(/^\/+/, '')))
      out.add(path.resolve(base, p))
    }
  }
  return [...out]
}

export const pathSafety: Check = {
  name: 'path-safety',
  title: 'path safety (traversal and hostile paths)',
  required: true,
  async run(ctx) {
    const client = needServices(ctx)
    const signal = ctx.signal
    const before = await snapshot(client, ctx)
    const accepted: string[] = []
    const writes = escapingPaths(ctx)
    const reads = readingPaths(ctx)
    let sent = 0
    let answered500 = 0
    for (const p of writes) {
      const data = Buffer.from('naaccord path-safety probe: this file must never exist\n')
      const up = await client.request('upload', {
        method: 'POST',
        multipart: multipartBody(
          [
            ['path', p],
            ['disk', 'uploads'],
          ],
          {field: 'file', filename: 'file', contentType: 'text/plain', size: data.length, data},
        ),
        signal,
      })
      const del = await client.request('delete', {method: 'POST', json: {path: p, disk: 'uploads'}, signal})
      sent += 2
      answered500 += [up, del].filter((r) => r.status === 500).length
      if (!refused(up)) accepted.push(`upload ${JSON.stringify(p)} → ${show(up)}`)
      if (!refused(del)) accepted.push(`delete ${JSON.stringify(p)} → ${show(del)}`)
    }
    for (const p of reads) {
      const down = await client.request('download', {query: {path: p, disk: 'uploads'}, signal})
      const ex = await client.request('exists', {query: {path: p, disk: 'uploads'}, signal})
      sent += 2
      answered500 += [down, ex].filter((r) => r.status === 500).length
      if (!refused(down)) accepted.push(`download ${JSON.stringify(p)} → ${down.status} (${down.body.length} bytes)`)
      if (!refused(ex)) accepted.push(`exists ${JSON.stringify(p)} → ${show(ex)}`)
    }
    const after = await snapshot(client, ctx)
    const changes = diff(before, after)
    const bases = diskBases(ctx)
    const landed = localLandingSpots(bases, writes).filter((f) => existsSync(f))
    if (landed.length > 0)
      throw new CheckFailure(
        `a hostile path wrote outside its disk: ${landed.join(', ')}`,
        `nothing written outside ${bases.join(', ')}`,
        landed.join(', '),
      )
    if (changes.length > 0)
      throw new CheckFailure(
        `files outside the test prefix changed: ${changes.slice(0, 10).join(', ')}`,
        `no change outside ${ctx.prefix}/`,
        changes.join(', '),
      )
    if (accepted.length > 0)
      throw new CheckFailure(
        `${accepted.length} of ${sent} hostile requests were accepted`,
        'every hostile path refused (non-2xx)',
        accepted.join('; '),
      )
    if (answered500 > 0)
      ctx.finding({
        severity: 'INFO',
        id: 'traversal-500',
        detail: `${answered500} of ${sent} hostile requests were refused with 500 (an error raised in the view) rather than 400`,
      })
    const local = bases.length > 0 ? `, nothing landed beside ${bases.length} local disk folder(s)` : ''
    return {
      detail: `${writes.length + reads.length} hostile paths, ${sent} requests all refused; nothing outside the prefix changed${local}`,
    }
  },
}
