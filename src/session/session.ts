/**
 * A running session, in this process: the lock, the supervisor, the log files, the state file and the control
 * socket. `startSession` is the library entry used by `naaccord start` (foreground or as the detached
 * supervisor) and by anything that wants a session in-process; `stop()` leaves nothing behind.
 */
import {createHash} from 'node:crypto'
import {chmodSync, mkdirSync, rmSync} from 'node:fs'
import type http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type {Plan} from '../config/plan.js'
import {preflight} from '../supervisor/preflight.js'
import {type RunnerFactory, type StopReport, Supervisor} from '../supervisor/supervisor.js'
import {writeFileAtomic} from '../util/fs.js'
import {sessionMarker} from '../util/group-stop.js'
import {splitLines} from '../util/lines.js'
import {maskSecret, maskSecretsIn} from '../util/mask.js'
import {serveControl} from './control-server.js'
import {acquireLock, releaseLock} from './lock.js'
import {blockLines, LogFiles} from './logfiles.js'
import {type LogLine, type SessionEvent, type SessionStatus, STATE_VERSION, sessionPaths} from './protocol.js'
import {clearStaleSession, inspectSession, runningSessionProblem} from './stale.js'

export {runningSessionProblem} from './stale.js'

/** Why a session did not start: one line per problem, already worded for the user. */
export class SessionStartError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
  }
}

export interface StartSessionOptions {
  /** Every event (unit status, log line, shutdown), as the control socket's /events would send it. */
  onEvent?: (event: SessionEvent) => void
  /**
   * Units' stdout and stderr as bytes: blocks of whole lines (each ending in \n), undecoded, as the log files get
   * them (a block that held the API key masked), with the time they were read. When given, onEvent gets no `log`
   * events for these lines (system lines still come as `log` events): a foreground flood costs no per-line
   * strings or events.
   */
  onOutput?: (unit: string, stream: 'stdout' | 'stderr', block: Buffer, ts: number) => void
  /** One-line notices (a stale session cleared). */
  onNotice?: (line: string) => void
  /** Runners for units other than plain server processes (Docker dependencies). */
  runnerFor?: RunnerFactory
  /** Log file size cap before rotation (bytes). */
  maxLogBytes?: number
  /** Container engine endpoint in use (set when the plan has Docker dependencies), shown by status. */
  engine?: string
}

export interface Session {
  readonly socketPath: string
  readonly stateDir: string
  /** Resolves when every unit is ready; rejects with the first failure (the session keeps running: stop it). */
  readonly ready: Promise<void>
  /** Resolves once the session has fully stopped (by stop(), the socket's /shutdown, or a signal). */
  readonly stopped: Promise<StopReport>
  status(): SessionStatus
  subscribe(listener: (event: SessionEvent) => void): () => void
  stop(timeoutMs?: number): Promise<StopReport>
  /** SIGKILL every group now (a second Ctrl-C); stop() still finishes the cleanup. */
  forceKill(): void
  restart(name: string): Promise<void>
}

/**
 * The state folder, readable by its owner only whatever the umask: its control socket stops units, its logs hold
 * what the servers printed. An existing folder is tightened too.
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  chmodSync(dir, 0o700)
}

/** `.naaccord/control.sock` unless that path is too long for a Unix socket; then a short one in the temp dir. */
export function controlSocketPath(stateDir: string): string {
  const preferred = sessionPaths(stateDir).socket
  if (Buffer.byteLength(preferred) <= 100) return preferred
  const hash = createHash('sha256').update(stateDir).digest('hex').slice(0, 16)
  return path.join(os.tmpdir(), `naaccord-${hash}.sock`)
}

export async function startSession(plan: Plan, options: StartSessionOptions = {}): Promise<Session> {
  const paths = sessionPaths(plan.stateDir)
  makePrivateDir(paths.dir)
  const notice = options.onNotice ?? (() => undefined)
  const running = runningSessionProblem(plan.stateDir)
  if (running) throw new SessionStartError([running])
  const previous = inspectSession(plan.stateDir)
  const knownGroups = (previous.status?.units ?? []).flatMap((u) => (u.pgid ? [{name: u.name, pgid: u.pgid}] : []))
  // Always: orphans carrying this session's marker are found even when no session file is left.
  for (const line of await clearStaleSession(plan.stateDir)) notice(line)

  const socketPath = controlSocketPath(plan.stateDir)
  const startedAt = Date.now()
  const lock = acquireLock(paths.lock, {pid: process.pid, startedAt, configFile: plan.configFile, socketPath})
  if (!lock.ok) {
    throw new SessionStartError([
      runningSessionProblem(plan.stateDir) ??
        `another naaccord start is starting this project right now (pid ${lock.holder?.pid ?? '?'}; lock ${paths.lock})`,
    ])
  }
  let problems: string[]
  try {
    problems = await preflight(plan, {knownGroups})
  } catch (error) {
    releaseLock(paths.lock)
    throw error
  }
  if (problems.length > 0) {
    releaseLock(paths.lock)
    throw new SessionStartError(problems)
  }
  // Docker dependencies (src/deps): the engine is reached once, before any unit starts; unreachable is one
  // clear error naming every endpoint tried. Loaded only when the plan has a dependency.
  let engine: string | undefined
  if (!options.runnerFor && plan.units.some((u) => u.kind === 'dependency')) {
    try {
      const {dependencyRunnerFactory} = await import('../deps/runner.js')
      const deps = await dependencyRunnerFactory(plan)
      options = {...options, runnerFor: deps.runnerFor}
      engine = deps.endpoint
    } catch (error) {
      releaseLock(paths.lock)
      throw new SessionStartError([(error as Error).message])
    }
  }
  return new RunningSession(plan, socketPath, startedAt, {...options, engine}).begin()
}

class RunningSession implements Session {
  readonly stateDir: string
  ready!: Promise<void>
  stopped: Promise<StopReport>
  private resolveStopped!: (report: StopReport) => void
  private readonly listeners = new Set<(event: SessionEvent) => void>()
  private readonly logs: LogFiles
  private readonly supervisor: Supervisor
  private server: http.Server | undefined
  private phase: SessionStatus['state'] = 'starting'
  private stateTimer: NodeJS.Timeout | undefined
  private stopPromise: Promise<StopReport> | undefined
  private readonly secrets: string[]
  private readonly secretBytes: Buffer | undefined
  /** The pid of each unit as last written to state.json. */
  private readonly savedPids = new Map<string, number | undefined>()

  constructor(
    readonly plan: Plan,
    readonly socketPath: string,
    private readonly startedAt: number,
    private readonly options: StartSessionOptions,
  ) {
    this.stateDir = plan.stateDir
    // NAACCORD_LOG_MAX_MB raises the per-file cap (benchmarks that must keep every line of a flood).
    const envCap = Number(process.env.NAACCORD_LOG_MAX_MB) * 1024 * 1024
    this.logs = new LogFiles(sessionPaths(plan.stateDir).logs, options.maxLogBytes ?? (envCap > 0 ? envCap : undefined))
    this.secrets = plan.apiKey.value ? [plan.apiKey.value] : []
    this.secretBytes = plan.apiKey.value && plan.apiKey.value.length >= 4 ? Buffer.from(plan.apiKey.value) : undefined
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve
    })
    this.supervisor = new Supervisor(
      plan,
      {
        unit: (unit) => {
          this.emit({type: 'unit', unit})
          // A new pid is on disk before anything else happens to it; other changes are batched.
          if (unit.pid !== undefined && this.savedPids.get(unit.name) !== unit.pid) this.saveState()
          else this.saveStateSoon()
        },
        log: (unit, stream, line) => this.onLine(unit, stream, line),
        output: (unit, stream, block) => this.onBlock(unit, stream, block),
      },
      {logDir: this.logs.dir, runnerFor: options.runnerFor, marker: sessionMarker(plan.stateDir)},
    )
  }

  async begin(): Promise<Session> {
    try {
      this.server = await serveControl(
        {
          status: () => this.status(),
          apiKey: () => this.plan.apiKey.value ?? process.env.INTERNAL_API_KEY,
          tail: (names, n) => this.logs.tail(names, n),
          subscribe: (l) => this.subscribe(l),
          unitAction: (name, action) => this.unitAction(name, action),
          shutdown: (timeoutMs) => {
            void this.stop(timeoutMs)
          },
        },
        this.socketPath,
      )
      // Whoever can connect can stop units: the owner only, whatever the umask (the folder is 0700 too, but a
      // long project path puts the socket in the temp dir).
      chmodSync(this.socketPath, 0o600)
    } catch (error) {
      this.logs.close()
      releaseLock(sessionPaths(this.stateDir).lock)
      throw new SessionStartError([
        `cannot listen on the control socket ${this.socketPath}: ${(error as Error).message}`,
      ])
    }
    this.saveState()
    for (const line of this.plan.notices) this.onLine('naaccord', 'system', line)
    this.ready = this.supervisor.start().then(() => {
      if (this.phase === 'starting') this.phase = 'running'
      this.saveState()
    })
    this.ready.catch(() => undefined)
    return this
  }

  /**
   * The flood path: a block of whole lines goes to the file (and to onOutput) as it is; lines are made only for
   * attached clients (and onEvent without onOutput).
   */
  private onBlock(unit: string, stream: 'stdout' | 'stderr', raw: Buffer): void {
    // The API key never lands whole in a log file or on a screen, whoever printed it.
    const block = this.secretBytes && raw.indexOf(this.secretBytes) !== -1 ? this.masked(raw) : raw
    const entry = {buf: block, stream, ts: Date.now()}
    this.logs.writeBlock(unit, entry)
    const {onEvent, onOutput} = this.options
    if (onOutput) {
      try {
        onOutput(unit, stream, block, entry.ts)
      } catch {}
    }
    // onEvent gets these lines as events only when it does not have them as bytes.
    const toOnEvent = onEvent !== undefined && !onOutput
    if (this.listeners.size > 0 || toOnEvent)
      for (const log of blockLines(unit, entry)) this.emit({type: 'log', log}, toOnEvent)
  }

  /** A block whose lines are masked (the line splitter's lines, each with its \n again). */
  private masked(block: Buffer): Buffer {
    let text = ''
    for (const line of splitLines(block)) text += `${line.length >= 4 ? maskSecretsIn(line, this.secrets) : line}\n`
    return Buffer.from(text)
  }

  private onLine(unit: string, stream: LogLine['stream'], raw: string): void {
    // The API key never lands whole in a log file or on a screen, whoever printed it.
    const line = this.secrets.length > 0 && raw.length >= 4 ? maskSecretsIn(raw, this.secrets) : raw
    const entry: LogLine = {unit, stream, line, ts: Date.now()}
    this.logs.write(entry)
    if (this.listeners.size > 0 || this.options.onEvent) this.emit({type: 'log', log: entry})
  }

  /** To onEvent (unless told not to) and every subscriber; a listener that throws does not stop the others. */
  private emit(event: SessionEvent, toOnEvent = true): void {
    if (toOnEvent && this.options.onEvent) this.call(this.options.onEvent, event)
    for (const listener of this.listeners) this.call(listener, event)
  }

  private call(listener: (event: SessionEvent) => void, event: SessionEvent): void {
    try {
      listener(event)
    } catch {}
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): SessionStatus {
    return {
      version: STATE_VERSION,
      project: this.plan.project,
      configFile: this.plan.configFile,
      root: this.plan.root,
      supervisorPid: process.pid,
      startedAt: this.startedAt,
      socketPath: this.socketPath,
      engine: this.options.engine,
      apiKeyMasked: this.plan.apiKey.value ? maskSecret(this.plan.apiKey.value) : undefined,
      watch: [...new Set(this.plan.units.flatMap((u) => (u.kind === 'server' ? u.watch : [])))],
      state: this.phase,
      units: this.supervisor.statuses(),
    }
  }

  private saveState(): void {
    if (this.stateTimer) clearTimeout(this.stateTimer)
    this.stateTimer = undefined
    try {
      const status = this.status()
      // No fsync: a kill of the supervisor leaves it whole (rename), and a crash of the machine ends its processes.
      writeFileAtomic(sessionPaths(this.stateDir).state, `${JSON.stringify(status, null, 2)}\n`, 0o600, false)
      for (const u of status.units) this.savedPids.set(u.name, u.pid)
    } catch {}
  }

  /** At most every 50 ms: a restart storm does not become a write storm, and a crash loses at most 50 ms of pids. */
  private saveStateSoon(): void {
    if (this.stateTimer || this.phase === 'stopping') return
    this.stateTimer = setTimeout(() => this.saveState(), 50)
  }

  private async unitAction(name: string, action: 'restart' | 'stop' | 'start'): Promise<void> {
    if (this.phase === 'stopping') throw new Error('the session is stopping')
    if (action === 'restart') return this.supervisor.restartUnit(name)
    if (action === 'stop') return this.supervisor.stopUnit(name)
    return this.supervisor.startUnit(name)
  }

  restart(name: string): Promise<void> {
    return this.unitAction(name, 'restart')
  }

  forceKill(): void {
    this.supervisor.forceKill()
  }

  stop(timeoutMs?: number): Promise<StopReport> {
    if (!this.stopPromise) this.stopPromise = this.doStop(timeoutMs)
    return this.stopPromise
  }

  private async doStop(timeoutMs?: number): Promise<StopReport> {
    this.phase = 'stopping'
    this.emit({type: 'shutdown', phase: 'begin'})
    this.saveState()
    const report = await this.supervisor.stop(timeoutMs)
    for (const problem of report.problems) this.onLine('naaccord', 'system', `left behind: ${problem}`)
    this.emit({type: 'shutdown', phase: 'end'})
    this.logs.close()
    const paths = sessionPaths(this.stateDir)
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve()
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    if (this.stateTimer) clearTimeout(this.stateTimer)
    rmSync(paths.state, {force: true})
    rmSync(this.socketPath, {force: true})
    releaseLock(paths.lock)
    this.resolveStopped(report)
    return report
  }
}
