/**
 * The services role's disk: storage/workspace/ with uploads/, processed/, temp/ and one folder per other disk.
 * Every write streams into temp/ first, is fsynced, and only then renamed into place, so an interrupted upload
 * never leaves a partial file where a reader could find it. The SHA-256 for the `.meta` sidecar is computed from
 * the bytes as they stream past, never by reading the file back.
 */
import {createHash, randomUUID} from 'node:crypto'
import {type Dirent, constants as fsConstants, mkdirSync, realpathSync, type Stats} from 'node:fs'
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
/** Bytes gathered per disk write (a multiple of DIRECT_ALIGN). */
const WRITE_SIZE = 1024 * 1024
/** Bytes between background datasyncs of an upload being written. */
const FLUSH_EVERY = 32 * 1024 * 1024
/** What an O_DIRECT write's memory, length and file offset must be multiples of: a page covers every disk's block. */
const DIRECT_ALIGN = 4096
const O_DIRECT: number | undefined = fsConstants.O_DIRECT

/**
 * Write buffers whose memory starts on a page boundary, as O_DIRECT needs. Node gives no say over where a Buffer's
 * memory lies, but a WebAssembly.Memory always starts on a page boundary (V8 maps it with mmap). Each is kept for
 * the next upload once its sink is done, so the pool holds at most two per upload ever in flight at once.
 */
const alignedPool: Buffer[] = []
/** The WebAssembly global, which this project's TypeScript libraries do not declare. */
const wasm = (
  globalThis as unknown as {
    WebAssembly: {Memory: new (pages: {initial: number; maximum: number}) => {buffer: ArrayBuffer}}
  }
).WebAssembly

function takeAlignedBuffer(): Buffer | undefined {
  const reused = alignedPool.pop()
  if (reused) return reused
  try {
    return Buffer.from(new wasm.Memory({initial: WRITE_SIZE / 65536, maximum: WRITE_SIZE / 65536}).buffer)
  } catch {
    return undefined // no address space left for another memory: the sink writes through the page cache instead
  }
}

/**
 * Opens a new temp file for a FileSink: with O_DIRECT where the platform and file system allow it (Linux; a file
 * system that cannot, such as tmpfs before Linux 6.6, refuses it with EINVAL), so that an upload's bytes go from the sink's buffers to the disk without a
 * copy into the page cache. That copy, and above all the page cache pages it fills, cost several times SHA-256
 * (bench/streaming: 1.5–2 CPU-s per GiB in a VM whose free memory the host takes back; 0.2 when the pages are
 * warm); with O_DIRECT the same GiB costs the writing thread about 0.1.
 */
async function openTemp(file: string, tryDirect: boolean): Promise<{handle: FileHandle; direct: boolean}> {
  if (tryDirect && O_DIRECT !== undefined) {
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | O_DIRECT
    try {
      return {handle: await open(file, flags), direct: true}
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error
      // The file system refuses O_DIRECT, possibly after creating the file: an ordinary write of the same name.
      return {handle: await open(file, 'w'), direct: false}
    }
  }
  return {handle: await open(file, 'wx'), direct: false}
}

/**
 * Writes a stream into a new file through two fixed 1 MiB buffers, hashing as the bytes pass. Socket reads arrive
 * in ~64 KiB pieces: gathering them into 1 MiB writes saves a thread-pool round trip per piece, and reusing two
 * buffers (one filling while the other is written) keeps the socket flowing during a write and memory flat however
 * large the upload. The writes bypass the page cache where they can (openTemp says why): the buffers are then
 * page-aligned, every write but the last is a whole buffer, and the last is padded with zeros to a page and the
 * file cut back to its size. A file system that refuses a direct write midway (EINVAL) gets the rest through an
 * ordinary descriptor. Every FLUSH_EVERY bytes a datasync is started in the background, so that neither the kernel
 * nor the disk holds the whole upload unflushed until the final fsync.
 */
class FileSink extends Writable {
  readonly hash = createHash('sha256')
  size = 0
  private readonly buffers: Buffer[]
  private readonly aligned: boolean
  private current = 0
  private used = 0
  /** Bytes handed to the disk so far: the file offset of the next write. */
  private written = 0
  private sinceFlush = 0
  /** The write of the other buffer, if one is under way. */
  private writing: Promise<void> | undefined
  private flushing: Promise<void> | undefined
  /** An ordinary descriptor, opened when a direct write was refused. */
  private buffered: FileHandle | undefined
  /** A direct write went past the bytes received (the last one, padded to a page). */
  private padded = false
  private closing = false

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private direct: boolean,
  ) {
    super({highWaterMark: STREAM_HWM})
    const pair = direct ? [takeAlignedBuffer(), takeAlignedBuffer()] : []
    this.aligned = pair.length === 2 && pair[0] !== undefined && pair[1] !== undefined
    if (!this.aligned) {
      for (const b of pair) if (b) alignedPool.push(b)
      this.direct = false
    }
    this.buffers = this.aligned ? (pair as Buffer[]) : [Buffer.allocUnsafe(WRITE_SIZE), Buffer.allocUnsafe(WRITE_SIZE)]
  }

  /** A sink writing into the new file `file` (which must not exist). */
  static async create(file: string, tryDirect: boolean): Promise<FileSink> {
    const {handle, direct} = await openTemp(file, tryDirect)
    return new FileSink(file, handle, direct)
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
            if (this.closing) return done(new Error('the file sink was closed'))
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
      // A direct write of the last bytes was padded to a page: the file is cut back to what was sent.
      .then(() => (this.padded ? this.handle.truncate(this.size) : undefined))
      .then(() => done(), done)
  }

  /** Flushes the file's data and size to the disk (after the stream has finished). */
  async sync(): Promise<void> {
    await this.handle.sync()
    await this.buffered?.sync()
  }

  /** Waits for any write or background datasync in flight, closes the descriptors and gives the buffers back. */
  async close(): Promise<void> {
    this.closing = true
    for (let seen: Promise<void> | undefined; seen !== this.writing; ) {
      seen = this.writing
      await seen?.catch(() => {})
    }
    await this.flushing
    await this.handle.close().catch(() => {})
    await this.buffered?.close().catch(() => {})
    if (this.aligned) alignedPool.push(...this.buffers)
  }

  private startWrite(): void {
    const buffer = this.buffers[this.current]
    const length = this.used
    const position = this.written
    this.current = 1 - this.current
    this.used = 0
    this.written += length
    this.writing = this.writeOut(buffer, length, position)
    // Awaited by the next hand-over, _final or close(); never an unhandled rejection meanwhile.
    this.writing.catch(() => {})
  }

  private async writeOut(buffer: Buffer, length: number, position: number): Promise<void> {
    if (this.direct) {
      // Only the last write can be short: padded to a page (_final cuts the file back to its size).
      const padded = Math.ceil(length / DIRECT_ALIGN) * DIRECT_ALIGN
      buffer.fill(0, length, padded)
      this.padded ||= padded !== length
      try {
        await this.writeAll(this.handle, buffer, padded, position)
        return this.flushNow(length)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error
        this.direct = false
        this.buffered = await open(this.file, 'r+')
      }
    }
    await this.writeAll(this.buffered ?? this.handle, buffer, length, position)
    this.flushNow(length)
  }

  private async writeAll(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
    let offset = 0
    while (offset < length) {
      const {bytesWritten} = await handle.write(buffer, offset, length - offset, position + offset)
      offset += bytesWritten
    }
  }

  /** Starts a background datasync every FLUSH_EVERY bytes. */
  private flushNow(length: number): void {
    this.sinceFlush += length
    if (this.sinceFlush < FLUSH_EVERY || this.flushing) return
    this.sinceFlush = 0
    this.flushing = (this.buffered ?? this.handle)
      .datasync()
      .catch(() => {})
      .finally(() => {
        this.flushing = undefined
      })
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

  /** Whether uploads are written with O_DIRECT where possible (openTemp); false writes through the page cache. */
  private readonly directWrites: boolean

  constructor(root: string, options: {directWrites?: boolean} = {}) {
    this.directWrites = options.directWrites ?? true
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
    let sink: FileSink | undefined
    try {
      sink = await FileSink.create(temp, this.directWrites)
      await pipeline(source, sink, signal ? {signal} : {})
      await sink.sync()
      return {temp, size: sink.size, sha256: sink.hash.digest('hex')}
    } catch (error) {
      await sink?.close()
      sink = undefined
      await rm(temp, {force: true})
      this.active.delete(temp)
      throw error
    } finally {
      await sink?.close()
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
