/**
 * The services role's disk: storage/workspace/ with uploads/, processed/, temp/ and one folder per other disk.
 * Every write streams into temp/ first, is fsynced, and only then renamed into place, so an interrupted upload
 * never leaves a partial file where a reader could find it. The SHA-256 for the `.meta` sidecar is computed from
 * the bytes as they stream past, never by reading the file back.
 */
import {createHash, randomUUID} from 'node:crypto'
import {type Dirent, mkdirSync, realpathSync, type Stats} from 'node:fs'
import {type FileHandle, link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {HttpError} from './http-util.js'
import {DISKS, type Disk, type DiskName} from './paths.js'

export interface Written {
  size: number
  sha256: string
}

/** A file fully written and flushed in temp/, waiting to be renamed into place or discarded. */
export interface StagedFile extends Written {
  temp: string
}

/** Buffer size for file streams: large enough for throughput, small enough that memory stays flat. */
export const STREAM_HWM = 256 * 1024
/** Bytes gathered per disk write. */
const WRITE_SIZE = 1024 * 1024
/** Bytes between background datasyncs of an upload being written. */
const FLUSH_EVERY = 32 * 1024 * 1024

/**
 * Writes a stream into an open file through two fixed 1 MiB buffers, hashing as the bytes pass. Socket reads arrive
 * in ~64 KiB pieces: gathering them into 1 MiB writes saves a thread-pool round trip per piece, and reusing two
 * buffers (one filling while the other is written) keeps the socket flowing during a write and memory flat however
 * large the upload. Every FLUSH_EVERY bytes a datasync is started in the background, so the kernel does not hold
 * the whole upload dirty until the final fsync.
 */
class FileSink extends Writable {
  readonly hash = createHash('sha256')
  size = 0
  private readonly buffers = [Buffer.allocUnsafe(WRITE_SIZE), Buffer.allocUnsafe(WRITE_SIZE)]
  private current = 0
  private used = 0
  private sinceFlush = 0
  /** The write of the other buffer, if one is under way. */
  private writing: Promise<void> | undefined
  private flushing: Promise<void> | undefined

  constructor(private readonly handle: FileHandle) {
    super({highWaterMark: STREAM_HWM})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.hash.update(chunk)
    this.size += chunk.length
    let offset = 0
    const fill = (): void => {
      while (offset < chunk.length) {
        const copied = chunk.copy(this.buffers[this.current], this.used, offset)
        this.used += copied
        offset += copied
        if (this.used === WRITE_SIZE) {
          // Hand the full buffer over; wait only if the other one is still being written.
          const previous = this.writing ?? Promise.resolve()
          previous.then(() => {
            this.startWrite()
            fill()
          }, done)
          return
        }
      }
      done()
    }
    fill()
  }

  override _final(done: (error?: Error | null) => void): void {
    ;(this.writing ?? Promise.resolve())
      .then(() => {
        if (this.used > 0) this.startWrite()
        return this.writing
      })
      .then(() => done(), done)
  }

  /** Resolves once no write or background datasync is in flight (before the descriptor is closed). */
  async settled(): Promise<void> {
    await this.writing?.catch(() => {})
    await this.flushing
  }

  private startWrite(): void {
    const buffer = this.buffers[this.current]
    const length = this.used
    this.current = 1 - this.current
    this.used = 0
    const write = async () => {
      let offset = 0
      while (offset < length) {
        const {bytesWritten} = await this.handle.write(buffer, offset, length - offset)
        offset += bytesWritten
      }
      this.sinceFlush += length
      if (this.sinceFlush >= FLUSH_EVERY && !this.flushing) {
        this.sinceFlush = 0
        this.flushing = this.handle
          .datasync()
          .catch(() => {})
          .finally(() => {
            this.flushing = undefined
          })
      }
    }
    this.writing = write()
    // Awaited by the next hand-over, _final or settled(); never an unhandled rejection meanwhile.
    this.writing.catch(() => {})
  }
}

export class Storage {
  readonly root: string
  readonly temp: string
  /** Staging folders of chunked uploads, one per upload id. */
  readonly chunked: string
  private readonly disks = new Map<DiskName, Disk>()
  /** Temp paths being written right now: cleanup never removes them, whatever their age. */
  private readonly active = new Set<string>()

  constructor(root: string) {
    this.root = path.resolve(root)
    this.temp = path.join(this.root, 'temp')
    this.chunked = path.join(this.temp, 'chunked')
    for (const dir of [this.root, this.temp, this.chunked, path.join(this.root, 'processed')]) {
      mkdirSync(dir, {recursive: true})
    }
    for (const name of DISKS) {
      const dir = path.join(this.root, name)
      mkdirSync(dir, {recursive: true})
      this.disks.set(name, {name, root: dir, realRoot: realpathSync(dir)})
    }
  }

  disk(name: DiskName): Disk {
    return this.disks.get(name)!
  }

  isActive(tempPath: string): boolean {
    return this.active.has(tempPath)
  }

  /**
   * Streams `source` into a new temp file, hashing as it goes, then fsyncs it. On any failure (the client went
   * away, the signal fired, the disk filled) the temp file is removed and the error rethrown.
   */
  async stage(source: AsyncIterable<Buffer> | NodeJS.ReadableStream, signal?: AbortSignal): Promise<StagedFile> {
    const temp = path.join(this.temp, `${randomUUID()}.part`)
    this.active.add(temp)
    const handle = await open(temp, 'wx')
    const sink = new FileSink(handle)
    try {
      await pipeline(source, sink, signal ? {signal} : {})
      await handle.sync()
      return {temp, size: sink.size, sha256: sink.hash.digest('hex')}
    } catch (error) {
      await rm(temp, {force: true})
      this.active.delete(temp)
      throw error
    } finally {
      await sink.settled()
      await handle.close().catch(() => {})
    }
  }

  /** Renames a staged file into place (creating folders), the last step of a write. */
  async commit(staged: StagedFile, target: string): Promise<void> {
    try {
      await mkdir(path.dirname(target), {recursive: true})
      await rename(staged.temp, target)
    } catch (error) {
      await this.discard(staged)
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
        throw new HttpError(400, `Invalid path: a folder or file is in the way (${code})`)
      }
      throw error
    } finally {
      this.active.delete(staged.temp)
    }
  }

  /**
   * Puts a staged file at `target` only if nothing is there yet, atomically (a hard link fails with EEXIST when
   * the name is taken), so that of two copies stored at once exactly the first wins. False (and the staged file
   * discarded) when something was there already.
   */
  async commitExclusive(staged: StagedFile, target: string): Promise<boolean> {
    try {
      await link(staged.temp, target)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    } finally {
      await this.discard(staged)
    }
  }

  async discard(staged: StagedFile): Promise<void> {
    await rm(staged.temp, {force: true})
    this.active.delete(staged.temp)
  }

  /** Writes a small file the same way: temp/, fsync, rename. */
  async writeSmall(target: string, content: string): Promise<void> {
    const temp = path.join(this.temp, `${randomUUID()}.tmp`)
    this.active.add(temp)
    try {
      const handle = await open(temp, 'wx')
      try {
        await handle.writeFile(content)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await mkdir(path.dirname(target), {recursive: true})
      await rename(temp, target)
    } catch (error) {
      await rm(temp, {force: true})
      throw error
    } finally {
      this.active.delete(temp)
    }
  }

  /** Writes `<file>.meta`: the caller's metadata plus content_type, file_size, sha256, created_at. */
  async writeMeta(
    file: string,
    fields: {metadata: Record<string, unknown>; contentType: string; size: number; sha256: string},
  ): Promise<void> {
    const meta = {
      ...fields.metadata,
      content_type: fields.contentType,
      file_size: fields.size,
      sha256: fields.sha256,
      created_at: new Date().toISOString(),
    }
    await this.writeSmall(`${file}.meta`, `${JSON.stringify(meta, null, 2)}\n`)
  }

  /** The sidecar of a stored file, or undefined when it has none or it is unreadable. */
  async readMeta(file: string): Promise<Record<string, unknown> | undefined> {
    try {
      const value = JSON.parse(await readFile(`${file}.meta`, 'utf8'))
      return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined
    } catch {
      return undefined
    }
  }

  /** Writes a small file directly (health self-test): used only inside temp/. */
  async selfTest(): Promise<boolean> {
    const probe = path.join(this.temp, `.health-${randomUUID()}`)
    const text = `naaccord health ${Date.now()}`
    try {
      await writeFile(probe, text, {flag: 'wx'})
      const back = await readFile(probe, 'utf8')
      return back === text
    } catch {
      return false
    } finally {
      await rm(probe, {force: true})
    }
  }
}

export interface WalkedFile {
  abs: string
  /** Relative to the disk root, `/`-separated. */
  rel: string
}

/**
 * Regular files under `dir`, depth first, sorted. Symlinks are neither followed nor listed: a link can only lead
 * out of the disk or to something already listed.
 */
export async function walkFiles(diskRoot: string, dir: string): Promise<WalkedFile[]> {
  const out: WalkedFile[] = []
  const visit = async (folder: string): Promise<void> => {
    let entries: Dirent[]
    try {
      entries = await readdir(folder, {withFileTypes: true})
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw error
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const abs = path.join(folder, entry.name)
      if (entry.isDirectory()) await visit(abs)
      else if (entry.isFile()) out.push({abs, rel: path.relative(diskRoot, abs).split(path.sep).join('/')})
    }
  }
  await visit(dir)
  return out
}

/** A regular file's stat, or undefined when there is none (missing, a folder, a dangling link). */
export async function statFile(abs: string): Promise<Stats | undefined> {
  try {
    const st = await stat(abs)
    return st.isFile() ? st : undefined
  } catch {
    return undefined
  }
}
