/**
 * A Docker dependency as a UnitRunner: start = image per pull policy, create-or-reuse, start; waitReady = the
 * container's health check and/or the configured probe (run by the Prober, src/probes, on the container's
 * target); watchHealth = the Prober's liveness; waitExit = the engine's `die` event (exit-watch.ts), then its
 * exit code from inspect; stop = stop with a grace period, then the engine kills. The supervisor drives it exactly like a server.
 */
import type Docker from 'dockerode'
import type {Plan, PlannedDependency} from '../config/plan.js'
import type {ProbeConfig} from '../config/schema.js'
import {Prober} from '../probes/index.js'
import type {UnitExit, UnitHooks, UnitRunner} from '../supervisor/unit.js'
import {atMost, sleep} from '../util/sleep.js'
import {statusOf} from './api-error.js'
import {ensureContainer, ensureNetwork, startContainer} from './container.js'
import {connectEngine} from './engine.js'
import {type ExitWatch, watchExit} from './exit-watch.js'
import {healthTestCommand, portAccepts, runHealthTest, waitForPort} from './health-test.js'
import {ensureImage} from './image.js'
import {followLogs, type LogFollower, lastLogLines} from './logs.js'
import {boundPorts} from './ports.js'
import {containerTarget} from './probe-target.js'
import {PullPacer, PullProgress} from './pull-progress.js'

/** How often a starting container's health is read from the engine. */
export const HEALTH_POLL_MS = 200
/** An exec ready probe's interval while the container's published port still refuses connections. */
const EXEC_THROTTLED_MS = 1000
/** How often naaccord runs a starting container's health check itself when the config does not say. */
const DEFAULT_START_INTERVAL_MS = 250
const KEEP_LINES = 2000
/** A health test run as a liveness probe: only its timeout matters (liveness has its own interval, no retries). */
const LIVENESS_TIMING = {interval: 0, timeout: 5000, retries: 0, startPeriod: 0}

/** What the health loop waits with between two looks at the engine (a test records them). */
export interface HealthWaits {
  sleep(ms: number, signal: AbortSignal): Promise<void>
  /** Until `port` accepts a connection or `withinMs` pass. */
  waitForPort(port: number, withinMs: number, signal: AbortSignal): Promise<unknown>
}

/**
 * Turns taken one at a time, in the order they were reserved: a runner reserves its turn when it begins
 * starting (config order), checks its image meanwhile, and creates and starts its container when its turn comes.
 */
export class Serial {
  private tail: Promise<void> = Promise.resolve()

  /** Reserves the next turn; `run` waits for the turns before it, `release` gives the turn up (idempotent). */
  reserve(): {run<T>(step: () => Promise<T>): Promise<T>; release(): void} {
    const previous = this.tail
    let release!: () => void
    this.tail = new Promise<void>((resolve) => {
      release = resolve
    })
    return {
      run: async (step) => {
        await previous
        try {
          return await step()
        } finally {
          release()
        }
      },
      release: () => release(),
    }
  }
}

export class DependencyRunner implements UnitRunner {
  readonly name: string
  private container?: Docker.Container
  private ports = new Map<number, number>()
  private lines: {stream: 'stdout' | 'stderr'; line: string}[] = []
  private follower?: LogFollower
  private exited?: Promise<UnitExit>
  private exitWatch?: ExitWatch
  private launchedAt = 0
  /** The container's health check test (from inspect at launch), undefined when it has none. */
  private healthTest?: string[]
  /** The engine's timeout for that test (0 or unset: its default), at most 5 s. */
  private healthTimeoutMs = 5000
  /** How waitHealthy waits between inspects; replaced only by tests, to see each wait in order. */
  waits: HealthWaits = {sleep, waitForPort}

  constructor(
    private readonly docker: Docker,
    private readonly project: string,
    private readonly root: string,
    private readonly dep: PlannedDependency,
    private readonly hooks: UnitHooks,
    private readonly engineSteps: Serial = new Serial(),
  ) {
    this.name = dep.name
  }

  async start(signal: AbortSignal): Promise<void> {
    // Containers are created and started one at a time, in the order the supervisor starts them (config order):
    // two podman starts at once took ~700 ms each here, one alone ~350, so the first is running sooner. The turn is
    // reserved now, so a quick image check of a later one cannot jump ahead; waiting for readiness stays concurrent.
    const turn = this.engineSteps.reserve()
    try {
      await this.launch(signal, turn)
    } finally {
      turn.release()
    }
  }

  private async launch(signal: AbortSignal, turn: ReturnType<Serial['reserve']>): Promise<void> {
    const {dep, hooks, docker} = this
    const image = dep.image
    hooks.update({image, message: 'checking image'})
    let pullStarted = 0
    const progress = new PullProgress()
    const pacer = new PullPacer()
    await ensureImage(docker, image, dep.pull, {
      // In the log, a line when a pull begins, a summary every 5 s, and one when it ends; its layers are the
      // unit's `progress` meanwhile (at most every 250 ms), which the dashboard shows per line.
      onPullStart: () => {
        pullStarted = Date.now()
        hooks.log('system', `pulling ${image} …`)
        hooks.update({message: `pulling ${image}`})
      },
      onEvent: (event) => {
        if (!progress.update(event)) return
        const now = Date.now()
        if (pacer.log(now)) hooks.log('system', `pulling ${image}: ${progress.summary()}`)
        if (pacer.view(now))
          hooks.update({message: `pulling ${image}: ${progress.summary()}`, progress: progress.lines()})
      },
    }).finally(() => {
      if (pullStarted) hooks.update({progress: undefined})
    })
    if (pullStarted)
      hooks.log(
        'system',
        `pulled ${image} in ${((Date.now() - pullStarted) / 1000).toFixed(1)}s (${progress.summary()})`,
      )
    signal.throwIfAborted()
    const {container, id, action} = await turn.run(async () => {
      signal.throwIfAborted()
      const ensured = await ensureContainer(docker, dep, this.project, this.root)
      hooks.log('system', `${ensured.action} container ${dep.containerName} (${ensured.id.slice(0, 12)}) from ${image}`)
      signal.throwIfAborted()
      await startContainer(ensured.container)
      return ensured
    })
    this.container = container
    this.launchedAt = Date.now()
    const info = await container.inspect()
    this.ports = boundPorts(info.NetworkSettings.Ports as never)
    const test = info.Config.Healthcheck?.Test
    this.healthTest = test && test.length > 0 && test[0] !== 'NONE' ? test : undefined
    this.healthTimeoutMs = Math.min((info.Config.Healthcheck?.Timeout ?? 0) / 1e6 || 5000, 5000)
    this.lines = []
    this.follower?.close()
    this.exitWatch?.close()
    // Both at once (each is a request the engine answers in 100–300 ms while it starts containers). The follow
    // starts from StartedAt, so lines printed meanwhile are not lost; watching from now catches this launch's
    // exit, whenever it comes.
    ;[this.follower, this.exitWatch] = await Promise.all([
      followLogs(container, info.State.StartedAt, (stream, line) => {
        this.lines.push({stream, line})
        if (this.lines.length > KEEP_LINES) this.lines.splice(0, this.lines.length - KEEP_LINES)
        hooks.log(stream, line)
      }),
      watchExit(docker, container),
    ])
    this.exited = this.exitWatch.exited
    const first = this.ports.values().next().value
    hooks.update({
      state: 'starting',
      containerId: id,
      startedAt: this.launchedAt,
      ...(first ? {port: first} : {}),
      health: info.State.Health?.Status,
      message: `${action}; published ${[...this.ports].map(([c, h]) => `127.0.0.1:${h}→${c}`).join(', ') || 'no ports'}`,
    })
  }

  async waitReady(signal: AbortSignal): Promise<void> {
    const container = this.container
    const exited = this.exited
    if (!container || !exited) throw new Error(`${this.name}: waitReady before start`)
    const {dep, hooks} = this
    const probe = dep.ready
    // A configured ready probe replaces the image's own health check (which is still shown); a health check from
    // the config is always waited for, besides any probe. Neither: running is ready.
    const needHealth = this.healthTest !== undefined && (dep.healthcheck !== undefined || !probe)
    const done = new AbortController()
    const inner = AbortSignal.any([signal, done.signal])
    // The exit comes from the engine's event stream (exit-watch.ts), not from polling inspect.
    const exit = exited.then(async ({code}) => {
      if (done.signal.aborted) return
      throw await this.notReady(`container exited with code ${code} while starting`)
    })
    try {
      await Promise.race([
        Promise.all([
          needHealth ? this.waitHealthy(container, inner) : undefined,
          probe
            ? this.prober(container, probe)
                .waitReady({
                  signal: inner,
                  startedAt: this.launchedAt,
                  timeoutMs: dep.startTimeout,
                  onWaiting: (why) => hooks.update({message: why}),
                  beforeAttempt: probe.exec ? (lastAt, s) => this.execThrottle(lastAt, s) : undefined,
                })
                .catch(async (error: Error) => {
                  throw inner.aborted ? error : await this.notReady(error.message)
                })
            : undefined,
        ]),
        exit,
      ])
    } finally {
      done.abort()
    }
    if (signal.aborted) throw new Error(`${this.name}: stopped while waiting to be ready`)
    hooks.update({state: 'ready', readyAt: Date.now(), readyMs: Date.now() - this.launchedAt, message: 'ready'})
  }

  private prober(container: Docker.Container, probe: ProbeConfig): Prober {
    return new Prober(
      probe,
      containerTarget(
        container,
        () => this.ports,
        () => this.lines,
      ),
    )
  }

  /**
   * Until the container's health is `healthy`. While the engine still says `starting`, naaccord runs the check
   * itself every `startInterval` once the published port accepts (health-test.ts says why both).
   */
  private async waitHealthy(container: Docker.Container, signal: AbortSignal): Promise<void> {
    const {dep, hooks} = this
    const deadline = this.launchedAt + dep.startTimeout
    const startInterval = dep.healthcheck?.startInterval ?? DEFAULT_START_INTERVAL_MS
    const published = this.ports.values().next().value
    const selfCheck = startInterval > 0 && published !== undefined ? healthTestCommand(this.healthTest) : undefined
    let lastHealth: string | undefined
    let lastSelfCheckAt = 0
    let reason = 'health not checked yet'
    while (!signal.aborted) {
      /** The published port the self-check waits on, while the check is due but the port still refuses. */
      let portToWaitFor: number | undefined
      const info = await container.inspect()
      const health = info.State.Health
      let status = health?.Status || 'starting'
      const selfCheckDue =
        status === 'starting' && selfCheck !== undefined && Date.now() - lastSelfCheckAt >= startInterval
      if (selfCheckDue && published !== undefined && !(await portAccepts(published))) portToWaitFor = published
      else if (selfCheckDue && selfCheck) {
        lastSelfCheckAt = Date.now()
        if (await runHealthTest(container, selfCheck, this.healthTimeoutMs, signal)) {
          status = 'healthy'
          hooks.log('system', 'health: its check passed when naaccord ran it (the engine still says starting)')
        }
      }
      const healthy = status === 'healthy'
      const lastOutput = health?.Log?.at(-1)?.Output?.trim().split('\n').pop()
      if (status !== lastHealth)
        hooks.log('system', `health: ${status}${lastOutput && !healthy ? ` (${lastOutput})` : ''}`)
      lastHealth = status
      if (!healthy) reason = `health ${status}${lastOutput ? `: ${lastOutput}` : ''}`
      hooks.update({health: status, ...(healthy ? {} : {message: reason})})
      if (healthy) return
      if (Date.now() >= deadline)
        throw await this.notReady(`not ready within ${Math.round(dep.startTimeout / 1000)}s: ${reason}`)
      const next = selfCheck
        ? Math.min(HEALTH_POLL_MS, Math.max(0, lastSelfCheckAt + startInterval - Date.now()))
        : HEALTH_POLL_MS
      // The self-check is due but the port refuses: wait on the port (a local connect every 25 ms costs the engine
      // nothing) rather than asking the engine again at once. Looping on inspect here ran it every ~12 ms and took
      // ~2 s of podman's CPU from the database starting beside it.
      if (portToWaitFor !== undefined) await this.waits.waitForPort(portToWaitFor, HEALTH_POLL_MS, signal)
      else await this.waits.sleep(next, signal)
    }
    throw new Error(`${this.name}: stopped while waiting to be ready`)
  }

  /**
   * Held before an exec probe's next attempt: an exec costs the engine a process in the container (~150 ms of
   * podman's CPU each, taken from a database initialising beside it), so while the container's published port
   * refuses connections (with podman: its server does not listen yet) it runs at most once a second; the moment
   * the port accepts, at its own interval again.
   */
  private async execThrottle(lastAt: number, signal: AbortSignal): Promise<void> {
    const published = this.ports.values().next().value
    if (published === undefined) return
    const wait = lastAt + EXEC_THROTTLED_MS - Date.now()
    if (wait > 0 && !(await portAccepts(published))) await waitForPort(published, wait, signal)
  }

  /**
   * Liveness once ready (the Prober's, as for a server): its ready probe when that can be re-run, else its health
   * check's test run in the container. Ends with the signal (the supervisor aborts it when this launch ends).
   */
  watchHealth(signal: AbortSignal, onChange: (healthy: boolean, reason?: string) => void): void {
    const container = this.container
    if (!container) return
    const ready = this.dep.ready ? this.prober(container, this.dep.ready) : undefined
    const command = healthTestCommand(this.healthTest)
    const health =
      command && this.prober(container, {exec: {command}, ...LIVENESS_TIMING, timeout: this.healthTimeoutMs})
    const live = ready?.live ? ready : health
    if (live) live.watch({signal, onChange})
  }

  private async notReady(why: string): Promise<Error> {
    const tail = this.container ? await lastLogLines(this.container) : []
    return new Error(`${this.name}: ${why}${formatTail(tail)}`)
  }

  async waitExit(): Promise<UnitExit> {
    if (!this.exited) throw new Error(`${this.name}: waitExit before start`)
    const result = await this.exited
    // The follow ends with the container; give it a moment to flush the last lines.
    await atMost(this.follower?.done, 500)
    return result
  }

  async stop(timeoutMs: number): Promise<void> {
    const container = this.container
    if (!container) return
    this.hooks.update({state: 'stopping'})
    try {
      // The engine sends the image's stop signal, waits t seconds, then kills.
      await container.stop({t: Math.max(0, Math.ceil(timeoutMs / 1000))})
    } catch (error) {
      if (statusOf(error) !== 304 && statusOf(error) !== 404) throw error
    }
    await atMost(this.follower?.done, 1000)
    this.follower?.close()
    this.hooks.update({state: 'stopped', health: undefined, message: 'stopped'})
  }
}

function formatTail(lines: string[]): string {
  if (lines.length === 0) return ''
  return `\nlast log lines:\n${lines.map((l) => `  ${l}`).join('\n')}`
}

export interface DependencyRunners {
  runners: Map<string, UnitRunner>
  /** The engine endpoint in use, '' when the plan has no dependency (no engine was needed). */
  endpoint: string
}

/** Runners for the plan's dependencies; connects to the engine only when there is at least one. */
export async function createDependencyRunners(
  plan: Plan,
  hooksFor: (name: string) => UnitHooks,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DependencyRunners> {
  const deps = plan.units.filter((u): u is PlannedDependency => u.kind === 'dependency')
  const runners = new Map<string, UnitRunner>()
  if (deps.length === 0) return {runners, endpoint: ''}
  const {docker, endpoint} = await connectEngine({env})
  const steps = new Serial()
  for (const dep of deps)
    runners.set(dep.name, new DependencyRunner(docker, plan.project, plan.root, dep, hooksFor(dep.name), steps))
  return {runners, endpoint}
}

/**
 * For the supervisor's synchronous RunnerFactory: connects once (throwing EngineUnreachableError, which names
 * every endpoint tried, only when the plan has a dependency), then makes a runner per dependency unit.
 */
export async function dependencyRunnerFactory(
  plan: Plan,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{
  runnerFor: (unit: Plan['units'][number], hooks: UnitHooks) => UnitRunner | undefined
  endpoint: string
}> {
  const hasDeps = plan.units.some((u) => u.kind === 'dependency')
  if (!hasDeps) return {runnerFor: () => undefined, endpoint: ''}
  const {docker, endpoint} = await connectEngine({env})
  // The project's network is needed by every container: begin creating it now, while the session sets itself up
  // (a failure is reported by the first runner that needs it, which tries again).
  ensureNetwork(docker, plan.project).catch(() => undefined)
  const steps = new Serial()
  return {
    endpoint,
    runnerFor: (unit, hooks) =>
      unit.kind === 'dependency'
        ? new DependencyRunner(docker, plan.project, plan.root, unit, hooks, steps)
        : undefined,
  }
}
