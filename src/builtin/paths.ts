/**
 * Disk names and path confinement. Every path a client sends is resolved against its disk's root: one leading
 * `<disk>/` is stripped, `..` is allowed only while the result stays inside, and symlinks are resolved before that
 * check. Anything else is refused with 400 naming the field (built-in: the depot answers 500 or, for a prefix
 * resolving to the root, deletes the whole disk).
 */
import {lstat, realpath} from 'node:fs/promises'
import path from 'node:path'
import {HttpError, shown} from './http-util.js'

export const DISKS = [
  'uploads',
  'scratch',
  'workspace',
  'local',
  'data',
  'downloads',
  'attachments',
  'reports',
] as const
export type DiskName = (typeof DISKS)[number]

export interface Disk {
  name: DiskName
  /** The disk's folder as configured (absolute). */
  root: string
  /** The same folder with symlinks resolved, for the containment check. */
  realRoot: string
}

export function parseDisk(value: string | undefined, fallback: DiskName): DiskName {
  if (value === undefined || value === '') return fallback
  if ((DISKS as readonly string[]).includes(value)) return value as DiskName
  throw new HttpError(400, `Invalid disk: ${JSON.stringify(value)} (expected one of ${DISKS.join(', ')})`)
}

/** True when `child` is `parent` itself or below it. */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child)
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel))
}

const toPosix = (rel: string) => rel.split(path.sep).join('/')

/**
 * The longest path a client may send, and the longest name in it, in UTF-8 bytes. 250, not the file systems' 255:
 * every stored file gets a `<name>.meta` sidecar beside it. Past either, the file system would refuse the name
 * (ENAMETOOLONG) with a message holding the absolute server path; the client gets 400 naming the limit instead.
 */
export const PATH_MAX_BYTES = 1024
export const NAME_MAX_BYTES = 250

/** The suffix of sidecar files: a client may not write one (it would replace a stored file's metadata). */
export const SIDECAR_SUFFIX = '.meta'

function lexical(disk: Disk, raw: string, field: string): string {
  if (raw.includes('\0')) throw new HttpError(400, `Invalid ${field}: contains a NUL byte`)
  if (Buffer.byteLength(raw) > PATH_MAX_BYTES) {
    throw new HttpError(400, `Invalid ${field}: ${shown(raw)} is longer than ${PATH_MAX_BYTES} bytes`)
  }
  if (raw.split('/').some((name) => Buffer.byteLength(name) > NAME_MAX_BYTES)) {
    throw new HttpError(400, `Invalid ${field}: ${shown(raw)} has a name longer than ${NAME_MAX_BYTES} bytes`)
  }
  const stripped = raw.startsWith(`${disk.name}/`) ? raw.slice(disk.name.length + 1) : raw
  const target = path.resolve(disk.root, stripped)
  if (!isWithin(disk.root, target)) {
    throw new HttpError(400, `Invalid ${field}: ${shown(raw)} resolves outside the ${disk.name} disk`)
  }
  return target
}

/**
 * Resolves symlinks on the way to `target`: the deepest part that exists must resolve inside the disk, and a
 * dangling symlink on the way is refused (it could be made to point anywhere later).
 */
async function confineSymlinks(disk: Disk, target: string, raw: string, field: string): Promise<void> {
  let probe = target
  for (;;) {
    try {
      const real = await realpath(probe)
      if (!isWithin(disk.realRoot, real)) {
        throw new HttpError(400, `Invalid ${field}: ${shown(raw)} goes through a symlink out of the disk`)
      }
      return
    } catch (error) {
      if (error instanceof HttpError) throw error
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error
      const st = await lstat(probe).catch(() => undefined)
      if (st?.isSymbolicLink()) {
        throw new HttpError(400, `Invalid ${field}: ${shown(raw)} goes through a dangling symlink`)
      }
    }
    const parent = path.dirname(probe)
    if (parent === probe || !isWithin(disk.root, parent)) return
    probe = parent
  }
}

export interface ResolvedFile {
  abs: string
  /** Relative to the disk root, with `/`. */
  rel: string
}

/**
 * A file path (`path`) on a disk: required, confined, never the disk root itself. A path to be written (`write`)
 * may not name a sidecar.
 */
export async function resolveFile(
  disk: Disk,
  raw: string | undefined,
  options: {field?: string; write?: boolean} = {},
): Promise<ResolvedFile> {
  const field = options.field ?? 'path'
  if (raw === undefined || raw === '') throw new HttpError(400, 'Path is required')
  const abs = lexical(disk, raw, field)
  if (abs === disk.root) throw new HttpError(400, `Invalid ${field}: ${shown(raw)} is the disk root`)
  if (options.write && abs.toLowerCase().endsWith(SIDECAR_SUFFIX)) {
    throw new HttpError(
      400,
      `Invalid ${field}: ${shown(raw)}: names ending in ${SIDECAR_SUFFIX} are reserved for the sidecars of stored files`,
    )
  }
  await confineSymlinks(disk, abs, raw, field)
  return {abs, rel: toPosix(path.relative(disk.root, abs))}
}

export interface ResolvedPrefix {
  /** The prefix relative to the disk root ('' = everything), `/`-separated, a trailing `/` kept. */
  rel: string
  /** The deepest folder every match lies under: where to start walking. */
  walkFrom: string
}

/** A list/delete prefix: string-prefix semantics on relative paths, confined like a path. */
export async function resolvePrefix(
  disk: Disk,
  raw: string | undefined,
  options: {allowRoot: boolean},
): Promise<ResolvedPrefix> {
  const value = raw ?? ''
  if (value === '' && !options.allowRoot) throw new HttpError(400, 'Prefix is required')
  const abs = lexical(disk, value, 'prefix')
  let rel = toPosix(path.relative(disk.root, abs))
  if (rel === '' && !options.allowRoot) {
    throw new HttpError(400, `Invalid prefix: ${shown(value)} resolves to the disk root`)
  }
  if (rel !== '' && value.endsWith('/')) rel += '/'
  const walkRel = rel === '' || rel.endsWith('/') ? rel : path.posix.dirname(rel)
  const walkFrom = path.resolve(disk.root, walkRel === '.' ? '' : walkRel)
  await confineSymlinks(disk, walkFrom, value, 'prefix')
  return {rel, walkFrom}
}
