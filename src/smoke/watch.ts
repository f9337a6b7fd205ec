/**
 * Watches the web server's own folders (its spool/temp dir, its working storage) while uploads stream through it,
 * and reports every file that appears there, even for a moment, with its path and the largest size seen.
 *
 * Why not fs.watch({recursive: true}): on Linux, Node 20 emulates it in JavaScript and misses a file created and
 * removed in quick succession (checked on 20.20). One inotify watch per folder does see those, so each folder gets
 * its own fs.watch, new sub-folders get one as they appear, and a periodic scan backs the events up.
 */
import {type FSWatcher, readdirSync, statSync, watch} from 'node:fs'
import path from 'node:path'
import {eachOpenFd} from '../util/procfs.js'

export interface WatchFinding {
  path: string
  /** Largest size seen; undefined when the file was gone before it could be measured. */
  size?: number
  /** True when it no longer exists at the end. */
  gone: boolean
}

const SCAN_MS = 100
/** A scan may take at most this share of the time (a big watched tree is scanned less often, never hogging a core). */
const SCAN_SHARE = 0.1

export class WebWatcher {
  private readonly watchers = new Map<string, FSWatcher>()
  private readonly baseline = new Set<string>()
  private readonly found = new Map<string, {size?: number}>()
  /** Size of each found file that exists right now (for the peak). */
  private readonly current = new Map<string, number>()
  private readonly peaks = new Map<string, number>()
  /** Bumped whenever a found file appears, grows, shrinks or goes: "the folder is quiet" means it stays put. */
  generation = 0
  private timer?: NodeJS.Timeout
  private stopped = false
  readonly missing: string[] = []
  readonly dirs: string[]

  constructor(dirs: string[]) {
    this.dirs = dirs.map((d) => path.resolve(d))
  }

  /** Records what exists now (not reported) and starts watching. Folders that do not exist are noted in `missing`. */
  start(): void {
    for (const dir of this.dirs) {
      if (!isDir(dir)) {
        this.missing.push(dir)
        continue
      }
      this.walk(dir, (file) => this.baseline.add(file))
    }
    this.schedule(SCAN_MS)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      const started = performance.now()
      this.scan()
      this.schedule(Math.max(SCAN_MS, (performance.now() - started) / SCAN_SHARE))
    }, ms)
    this.timer.unref()
  }

  private watchDir(dir: string): void {
    if (this.watchers.has(dir)) return
    try {
      const w = watch(dir, {persistent: false}, (_event, name) => {
        if (name) this.seen(path.join(dir, name.toString()))
      })
      w.on('error', () => this.watchers.delete(dir))
      this.watchers.set(dir, w)
    } catch {
      // The folder vanished between the listing and the watch: the scan still covers its parent.
    }
  }

  /** Lists a tree, watching every folder in it. */
  private walk(dir: string, onFile: (file: string, size: number) => void): void {
    this.watchDir(dir)
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const name of entries) {
      const full = path.join(dir, name)
      let st: ReturnType<typeof statSync>
      try {
        st = statSync(full)
      } catch {
        continue
      }
      if (st.isDirectory()) this.walk(full, onFile)
      else onFile(full, st.size)
    }
  }

  private record(file: string, size: number | undefined): void {
    if (this.baseline.has(file)) return
    const prev = this.found.get(file)
    const best = size === undefined ? prev?.size : Math.max(size, prev?.size ?? 0)
    this.found.set(file, {size: best})
    const changed =
      prev === undefined || (size === undefined ? this.current.has(file) : this.current.get(file) !== size)
    if (size === undefined) this.current.delete(file)
    else this.current.set(file, size)
    if (!changed) return
    this.generation++
    const root = this.rootOf(file)
    let sum = 0
    for (const [f, n] of this.current) if (this.rootOf(f) === root) sum += n
    this.peaks.set(root, Math.max(sum, this.peaks.get(root) ?? 0))
  }

  /** The watched folder a file lies in (the deepest one). */
  rootOf(file: string): string {
    let best = ''
    for (const d of this.dirs)
      if ((file.startsWith(`${d}${path.sep}`) || file === d) && d.length > best.length) best = d
    return best
  }

  /** Largest number of bytes the found files held at once in that watched folder (as sampled). */
  peakBytes(root: string): number {
    return this.peaks.get(root) ?? 0
  }

  private seen(full: string): void {
    let st: ReturnType<typeof statSync>
    try {
      st = statSync(full)
    } catch {
      // Created and removed already: still a file the web server wrote.
      this.record(full, undefined)
      return
    }
    if (st.isDirectory()) this.walk(full, (file, size) => this.record(file, size))
    else this.record(full, st.size)
  }

  private scan(): void {
    for (const file of this.current.keys()) if (!exists(file)) this.record(file, undefined)
    for (const dir of this.dirs) if (isDir(dir)) this.walk(dir, (file, size) => this.record(file, size))
  }

  /** What appeared so far (scans once more first). */
  findings(): WatchFinding[] {
    this.scan()
    return [...this.found.entries()]
      .map(([file, {size}]) => ({path: file, size, gone: !exists(file)}))
      .sort((a, b) => a.path.localeCompare(b.path))
  }

  stop(): WatchFinding[] {
    const out = this.findings()
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    for (const w of this.watchers.values()) w.close()
    this.watchers.clear()
    return out
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

function exists(p: string): boolean {
  try {
    statSync(p)
    return true
  } catch {
    return false
  }
}

/**
 * Which of `files` some process still holds open, and by which pids (Linux: /proc/<pid>/fd, for the processes this
 * user may look at). Undefined when /proc cannot tell (another OS): callers then go by the folder being quiet.
 */
export function openHolders(files: string[]): Map<string, number[]> | undefined {
  const wanted = new Set(files)
  const out = new Map<string, number[]>()
  const listed = eachOpenFd((pid, target) => {
    if (!wanted.has(target)) return false
    const holders = out.get(target) ?? []
    if (!holders.includes(pid)) holders.push(pid)
    out.set(target, holders)
    return false
  })
  return listed ? out : undefined
}
