/**
 * One server process: launched in its own process group (detached), with the plan's environment laid over the
 * inherited one, its output split into lines, and stopped by signalling the whole group (then SIGKILL).
 *
 * Spawned with execa (`buffer: false`, no encoding or line transforms), so the pipes it hands back are the raw
 * ones: the log flood path (millions of lines) reads Buffers straight off them. `cleanup: false` because the
 * supervisor, not execa's exit hook, decides when a server dies; `reject: false` because an exit is an event here.
 */
import type {ChildProcess} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import type {PlannedServer} from '../config/plan.js'
import {type ProbeLine, Prober} from '../probes/index.js'
import {serverTarget} from '../probes/server-target.js'
import {isGroupRunning} from '../util/proc.js'
import {beginWork, yieldIfOverBudget} from '../util/turn-budget.js'
import type {UnitExit, UnitHooks, UnitRunner} from './unit.js'

let execaModule: Promise<typeof import('execa')> | undefined
/**
 * execa is ~140 small ES modules, ~250 ms to load here: loaded when the first server is prepared or started rather
 * than with the supervisor, so a session's first container request is not held up behind it.
 */
function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa')
  return execaModule
}

/** Lines kept for the log probe until the launch is ready (a pattern must match the current launch only). */
const PROBE_LINES_MAX = 5000

export class ProcessRunner implements UnitRunner {
  readonly name: string
  private child: ChildProcess | undefined
  private exitPromise: Promise<UnitExit> = Promise.resolve({code: null, signal: null})
  private exited = true
  private linesSinceStart: ProbeLine[] = []
  private launchedAt = 0
  private collectLines = false
  private exitAbort = new AbortController()

  constructor(
    readonly server: PlannedServer,
    private readonly hooks: UnitHooks,
  ) {
    this.name = server.name
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child?.pid
  }

  prepare(): void {
    void loadExeca()
  }

  async start(_signal: AbortSignal): Promise<void> {
    const {execa} = await loadExeca()
    const s = this.server
    this.linesSinceStart = []
    this.collectLines = s.ready?.log !== undefined
    this.exitAbort = new AbortController()
    // Folders this server must never write to exist before it starts, so they can be watched from its first
    // byte (and Django's FILE_UPLOAD_TEMP_DIR, pointed at one of them, exists).
    for (const dir of s.watch) mkdirSync(dir, {recursive: true})
    return new Promise((resolve, reject) => {
      let child: ChildProcess
      try {
        const subprocess = execa(s.command, s.args, {
          cwd: s.cwd,
          env: s.env,
          extendEnv: true,
          // Its own process group: a Ctrl-C in the terminal does not reach it, and stop signals the whole tree.
          detached: true,
          stdin: 'ignore',
          stdout: 'pipe',
          stderr: 'pipe',
          buffer: false,
          cleanup: false,
          reject: false,
        })
        // The result promise is not used (exit is read from the child's events); keep it from ever going unhandled.
        subprocess.catch(() => undefined)
        child = subprocess as unknown as ChildProcess
      } catch (error) {
        reject(new Error(`${s.name}: cannot launch \`${s.commandText}\`: ${(error as Error).message}`))
        return
      }
      this.child = child
      this.exited = false
      let launched = false
      this.exitPromise = new Promise((resolveExit) => {
        child.once('error', (error: NodeJS.ErrnoException) => {
          if (!launched) {
            this.exited = true
            resolveExit({code: null, signal: null})
            const what =
              error.code === 'ENOENT' ? 'command not found' : error.code === 'EACCES' ? 'not executable' : error.message
            reject(new Error(`${s.name}: command: cannot run \`${s.command}\`: ${what} (servers.${s.name}.command)`))
          }
        })
        // Reported at 'close' so that the last lines are read first, but no later than a moment after 'exit':
        // a grandchild that inherited stdout may keep the pipe open long after the server itself is gone.
        let reported = false
        const report = (code: number | null, signal: NodeJS.Signals | null) => {
          if (reported) return
          reported = true
          this.exited = true
          this.exitAbort.abort(new Error(`exited with ${code === null ? signal : `code ${code}`} before it was ready`))
          resolveExit({code, signal})
        }
        child.once('close', report)
        child.once('exit', (code, signal) => {
          setTimeout(() => report(code, signal), 200).unref()
        })
      })
      child.once('spawn', () => {
        launched = true
        this.launchedAt = Date.now()
        this.hooks.update({pid: child.pid, pgid: child.pid, startedAt: Date.now()})
        resolve()
      })
      this.pipe(child.stdout, 'stdout')
      this.pipe(child.stderr, 'stderr')
    })
  }

  /**
   * Output in blocks of whole lines, cut at the chunk's last newline without decoding: with hooks.output the
   * block goes on as it is (the log flood path); otherwise it is split into lines for hooks.log. A newline byte
   * never occurs inside a multi-byte UTF-8 character, so every block decodes cleanly on its own.
   */
  private pipe(stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return
    let partial: Buffer[] = []
    const emit = (block: Buffer) => {
      if (this.hooks.output) this.hooks.output(name, block)
      else for (const line of splitLines(block)) this.hooks.log(name, line)
      if (this.collectLines) for (const line of splitLines(block)) this.keepForProbe(name, line)
    }
    stream.on('data', (chunk: Buffer) => {
      beginWork()
      const nl = chunk.lastIndexOf(10)
      if (nl === -1) {
        partial.push(chunk)
        return
      }
      let from = 0
      if (partial.length > 0) {
        // Only the line that was cut is joined; the rest of the chunk goes on uncopied (a flood's chunks rarely
        // end on a newline, and copying each whole 64 KiB chunk cost a tenth of the supervisor's time).
        const first = chunk.indexOf(10)
        emit(Buffer.concat([...partial, chunk.subarray(0, first + 1)]))
        from = first + 1
      }
      if (nl + 1 > from) emit(from === 0 && nl === chunk.length - 1 ? chunk : chunk.subarray(from, nl + 1))
      partial = nl === chunk.length - 1 ? [] : [chunk.subarray(nl + 1)]
      // A flood must not hold the supervisor: the rest of the pipe waits for the next turn (turn-budget.ts).
      yieldIfOverBudget(stream)
    })
    stream.on('end', () => {
      if (partial.length > 0) emit(Buffer.concat([...partial, Buffer.from('\n')]))
      partial = []
    })
  }

  private keepForProbe(stream: 'stdout' | 'stderr', line: string): void {
    this.linesSinceStart.push({stream, line})
    if (this.linesSinceStart.length > PROBE_LINES_MAX) this.linesSinceStart.splice(0, PROBE_LINES_MAX / 2)
  }

  private prober(probe: NonNullable<PlannedServer['ready']>): Prober {
    return new Prober(
      probe,
      serverTarget({
        cwd: this.server.cwd,
        env: {...process.env, ...this.server.env} as Record<string, string>,
        lines: () => this.linesSinceStart,
      }),
    )
  }

  async waitReady(signal: AbortSignal): Promise<void> {
    const probe = this.server.ready
    if (!probe) return
    try {
      await this.prober(probe).waitReady({
        signal: AbortSignal.any([signal, this.exitAbort.signal]),
        startedAt: this.launchedAt,
        timeoutMs: this.server.startTimeout,
        onWaiting: (reason) => this.hooks.update({message: `waiting: ${reason}`}),
      })
    } finally {
      this.collectLines = false
      this.linesSinceStart = []
    }
  }

  /** Liveness once ready: the ready probe again, slowly (src/probes). */
  watchHealth(signal: AbortSignal, onChange: (healthy: boolean, reason?: string) => void): void {
    if (this.server.ready) this.prober(this.server.ready).watch({signal, onChange})
  }

  waitExit(): Promise<UnitExit> {
    return this.exitPromise
  }

  async stop(timeoutMs: number): Promise<void> {
    const child = this.child
    if (!child?.pid) return
    const pgid = child.pid
    if (!isGroupRunning(pgid)) {
      await this.exitPromise
      return
    }
    signalGroup(pgid, this.server.stopSignal)
    const deadline = Date.now() + timeoutMs
    while (isGroupRunning(pgid) && Date.now() < deadline) await sleep(20)
    if (isGroupRunning(pgid)) {
      this.hooks.log(
        'system',
        `did not stop within ${timeoutMs}ms of ${this.server.stopSignal}: SIGKILL to process group ${pgid}`,
      )
      signalGroup(pgid, 'SIGKILL')
      const killDeadline = Date.now() + 5000
      while (isGroupRunning(pgid) && Date.now() < killDeadline) await sleep(10)
    }
    await this.exitPromise
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Lines of a block of whole lines (each ending in \n; a \r before it dropped). */
export function splitLines(block: Buffer): string[] {
  const text = block.toString('utf8')
  const out: string[] = []
  let start = 0
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    out.push(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl))
    start = nl + 1
  }
  if (start < text.length) out.push(text.slice(start))
  return out
}
