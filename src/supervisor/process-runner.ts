/**
 * One server process: launched in its own process group (detached), with the plan's environment laid over the
 * inherited one, its output split into lines, and stopped by signalling the whole group (then SIGKILL).
 *
 * Spawned with node:child_process directly: the raw pipes are what the log flood path (millions of lines) reads
 * Buffers from, an exit is an event (never a rejection), and the supervisor, not an exit hook, decides when a
 * server dies. (execa was used with every one of its features turned off, for ~150 ms of module loading.)
 *
 * Every process carries the session marker (NAACCORD_SESSION, NAACCORD_UNIT; see util/group-stop.ts), so a
 * grandchild that left the group with setsid is still found and stopped with its unit.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import type {PlannedServer} from '../config/plan.js'
import {type ProbeLine, Prober} from '../probes/index.js'
import {serverTarget} from '../probes/server-target.js'
import {SESSION_ENV, STOP_ENV, stopGroup, UNIT_ENV} from '../util/group-stop.js'
import {blockSplitter, splitLines} from '../util/lines.js'
import {beginWork, yieldIfOverBudget} from '../util/turn-budget.js'
import type {UnitExit, UnitHooks, UnitRunner} from './unit.js'

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
    /** The session marker every process of this unit carries (util/group-stop.ts). */
    private readonly marker?: string,
  ) {
    this.name = server.name
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child?.pid
  }

  async start(_signal: AbortSignal): Promise<void> {
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
        const marker = this.marker
          ? {[SESSION_ENV]: this.marker, [UNIT_ENV]: s.name, [STOP_ENV]: `${s.stopSignal}/${s.stopTimeout}`}
          : {}
        child = spawn(s.command, s.args, {
          cwd: s.cwd,
          env: {...process.env, ...s.env, ...marker},
          // Its own process group: a Ctrl-C in the terminal does not reach it, and stop signals the whole tree.
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      } catch (error) {
        reject(new Error(`${s.name}: cannot launch \`${s.commandText}\`: ${(error as Error).message}`))
        return
      }
      this.child = child
      this.exited = false
      // The pid is known now, before the 'spawn' event's turn: recorded (and saved) before anything else happens.
      if (child.pid) this.hooks.update({pid: child.pid, pgid: child.pid, startedAt: Date.now()})
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
        resolve()
      })
      this.pipe(child.stdout, 'stdout')
      this.pipe(child.stderr, 'stderr')
    })
  }

  /**
   * Output in blocks of whole lines (util/lines.ts): with hooks.output the block goes on as it is (the log flood
   * path); otherwise it is split into lines for hooks.log.
   */
  private pipe(stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return
    const blocks = blockSplitter((block) => {
      if (this.hooks.output) this.hooks.output(name, block)
      else for (const line of splitLines(block)) this.hooks.log(name, line)
      if (this.collectLines) for (const line of splitLines(block)) this.keepForProbe(name, line)
    })
    stream.on('data', (chunk: Buffer) => {
      beginWork()
      blocks.push(chunk)
      // A flood must not hold the supervisor: the rest of the pipe waits for the next turn (turn-budget.ts).
      yieldIfOverBudget(stream)
    })
    stream.on('end', () => blocks.end())
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
    const result = await stopGroup(pgid, {
      signal: this.server.stopSignal,
      timeoutMs,
      marker: this.marker ? {session: this.marker, unit: this.name} : undefined,
    })
    if (result.killed.length > 0)
      this.hooks.log(
        'system',
        `did not stop within ${timeoutMs}ms of ${this.server.stopSignal}: SIGKILL to ${result.killed.join(', ')}`,
      )
    // Nothing of the unit is left: a pipe still held open (by a process that escaped even the marker) must not
    // keep the supervisor alive or this stop waiting.
    setTimeout(() => {
      child.stdout?.destroy()
      child.stderr?.destroy()
    }, 250).unref()
    await this.exitPromise
  }
}
