/**
 * The supervisor: walks the dependency graph (a unit starts when each dependsOn entry meets its condition),
 * keeps each unit alive under its restart policy, and stops everything in reverse dependency order, verifying
 * that no process group is left and every port is free. It drives units only through UnitRunner, so server
 * processes and Docker dependencies are the same to it.
 */
import path from 'node:path'
import type {Plan, PlannedUnit} from '../config/plan.js'
import type {ConditionName} from '../config/schema.js'
import type {UnitStatus} from '../session/protocol.js'
import {formatDuration} from '../util/duration.js'
import {killGroupNow, markedProcesses} from '../util/group-stop.js'
import {findPortHolder, isPortFree} from '../util/ports.js'
import {isGroupRunning} from '../util/proc.js'
import {sleep} from '../util/sleep.js'
import {ProcessRunner} from './process-runner.js'
import {RestartTracker} from './restart/policy.js'
import type {UnitExit, UnitHooks, UnitRunner} from './unit.js'

export interface SupervisorEvents {
  /** A unit's status changed (a copy). */
  unit(status: UnitStatus): void
  /** One line of a unit's output, or a `system` line about it. */
  log(unit: string, stream: 'stdout' | 'stderr' | 'system', line: string): void
  /** Optional fast path: a block of whole lines of a process's output, undecoded (see UnitHooks.output). */
  output?(unit: string, stream: 'stdout' | 'stderr', block: Buffer): void
}

/** Returns the runner for a unit, or undefined for the default (a ProcessRunner for a server). */
export type RunnerFactory = (unit: PlannedUnit, hooks: UnitHooks) => UnitRunner | undefined

export interface StopReport {
  /** Everything stopped and every port is free. */
  clean: boolean
  /** What was left, one line each (a live group, a held port). */
  problems: string[]
  ms: number
}

class Deferred<T = void> {
  promise: Promise<T>
  settled = false
  resolve!: (value: T) => void
  reject!: (error: Error) => void
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (v) => {
        if (this.settled) return
        this.settled = true
        resolve(v)
      }
      this.reject = (e) => {
        if (this.settled) return
        this.settled = true
        reject(e)
      }
    })
    this.promise.catch(() => undefined)
  }
}

interface UnitSlot {
  plan: PlannedUnit
  runner: UnitRunner
  status: UnitStatus
  tracker?: RestartTracker
  milestones: Record<'started' | 'ready' | 'completed', Deferred>
  /** Aborted to end the current run loop (unit stop, restart, session stop). */
  loop?: AbortController
  loopDone?: Promise<void>
}

export class Supervisor {
  private readonly slots = new Map<string, UnitSlot>()
  private stopping = false
  private stopPromise: Promise<StopReport> | undefined
  private readonly marker: string | undefined

  constructor(
    readonly plan: Plan,
    private readonly events: SupervisorEvents,
    /** marker: the session marker every unit process carries (util/group-stop.ts). */
    options: {logDir: string; runnerFor?: RunnerFactory; marker?: string},
  ) {
    this.marker = options.marker
    for (const unit of plan.units) {
      const status: UnitStatus = {
        name: unit.name,
        kind: unit.kind,
        role: unit.kind === 'server' ? unit.role : undefined,
        state: 'pending',
        port: unit.kind === 'server' ? unit.port : undefined,
        url: unit.kind === 'server' ? unit.url : undefined,
        restarts: 0,
        logFile: path.join(options.logDir, `${unit.name}.log`),
      }
      const hooks: UnitHooks = {
        log: (stream, line) => this.events.log(unit.name, stream, line),
        update: (patch) => this.update(unit.name, patch),
      }
      const output = this.events.output
      if (output) hooks.output = (stream, block) => output(unit.name, stream, block)
      const runner =
        options.runnerFor?.(unit, hooks) ??
        (unit.kind === 'server' ? new ProcessRunner(unit, hooks, options.marker) : undefined)
      // The session gives every dependency a runner (src/deps), or does not start.
      if (!runner) throw new Error(`${unit.name}: no runner for this Docker dependency`)
      this.slots.set(unit.name, {
        plan: unit,
        runner,
        status,
        tracker: unit.kind === 'server' ? new RestartTracker(unit.restart) : undefined,
        milestones: {started: new Deferred(), ready: new Deferred(), completed: new Deferred()},
      })
    }
  }

  statuses(): UnitStatus[] {
    return [...this.slots.values()].map((s) => ({...s.status}))
  }

  /** Every unit's current pgid, for the orphan check and a forced stop. */
  groups(): {name: string; pgid: number}[] {
    return [...this.slots.values()].flatMap((s) => (s.status.pgid ? [{name: s.plan.name, pgid: s.status.pgid}] : []))
  }

  private update(name: string, patch: Partial<UnitStatus>): void {
    const slot = this.slots.get(name)
    if (!slot) return
    Object.assign(slot.status, patch)
    this.events.unit({...slot.status})
  }

  private system(name: string, line: string): void {
    this.events.log(name, 'system', line)
  }

  /** Starts every unit (each once its dependencies allow). Resolves when all are ready; rejects at the first that fails. */
  start(): Promise<void> {
    for (const slot of this.slots.values()) this.launchLoop(slot)
    // After the loops have sent their first requests (a container's create goes out first).
    setImmediate(() => {
      for (const slot of this.slots.values()) slot.runner.prepare?.()
    })
    return this.allReady()
  }

  /** Every unit ready (or, for a one-shot unit others wait on to complete, completed); rejects with the first failure. */
  allReady(): Promise<void> {
    return Promise.all(
      [...this.slots.values()].map((slot) =>
        Promise.race([slot.milestones.ready.promise, this.waitedCompletion(slot)]).catch((error: Error) => {
          throw new Error(`${slot.plan.name}: ${error.message}`)
        }),
      ),
    ).then(() => undefined)
  }

  private waitedCompletion(slot: UnitSlot): Promise<void> {
    const waitedOn = [...this.slots.values()].some((s) => s.plan.dependsOn[slot.plan.name] === 'completed')
    return waitedOn ? slot.milestones.completed.promise : new Promise(() => undefined)
  }

  private launchLoop(slot: UnitSlot): void {
    const loop = new AbortController()
    slot.loop = loop
    slot.loopDone = this.runLoop(slot, loop.signal).catch((error: Error) => {
      if (!loop.signal.aborted) this.fail(slot, error.message)
    })
  }

  private fail(slot: UnitSlot, message: string): void {
    this.update(slot.plan.name, {state: 'failed', message, pid: undefined})
    this.system(slot.plan.name, `failed: ${message}`)
    const error = new Error(message)
    for (const m of Object.values(slot.milestones)) m.reject(error)
  }

  private async waitDependencies(slot: UnitSlot, signal: AbortSignal): Promise<boolean> {
    const deps = Object.entries(slot.plan.dependsOn).filter(([dep]) => this.slots.has(dep))
    if (deps.length === 0) return true
    this.update(slot.plan.name, {
      state: 'pending',
      message: `waiting for ${deps.map(([n, c]) => `${n} (${c})`).join(', ')}`,
    })
    for (const [dep, condition] of deps) {
      const target = this.slots.get(dep)!
      try {
        await Promise.race([
          target.milestones[milestoneOf(condition)].promise,
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('aborted')), {once: true}),
          ),
        ])
      } catch (error) {
        if (signal.aborted) return false
        const reason = (error as Error).message
        this.fail(slot, `not started: ${dep} never became ${condition === 'healthy' ? 'ready' : condition} (${reason})`)
        return false
      }
    }
    return true
  }

  private async runLoop(slot: UnitSlot, signal: AbortSignal): Promise<void> {
    const name = slot.plan.name
    if (!(await this.waitDependencies(slot, signal))) return
    for (;;) {
      if (signal.aborted) return
      const launchedAt = Date.now()
      this.update(name, {
        state: 'starting',
        message: undefined,
        exitCode: undefined,
        signal: undefined,
        readyAt: undefined,
        readyMs: undefined,
      })
      const plan = slot.plan
      this.system(
        name,
        `starting${plan.kind === 'server' ? `: ${[path.basename(plan.command), ...plan.args].join(' ')}` : ''}`,
      )
      await slot.runner.start(signal)
      slot.milestones.started.resolve()
      const exitPromise = slot.runner.waitExit()
      let notReady: string | undefined
      const ready = slot.runner.waitReady(signal).then(
        () => {
          if (signal.aborted) return
          const now = Date.now()
          const since = slot.status.startedAt ?? launchedAt
          this.update(name, {state: 'ready', readyAt: now, readyMs: now - since, message: undefined})
          this.system(name, `ready in ${formatDuration(now - since)}`)
          slot.milestones.ready.resolve()
          if (slot.runner.watchHealth) {
            // Until this launch ends: the probe again, slowly; unhealthy after repeated failures.
            const launch = new AbortController()
            const stopWatching = () => launch.abort()
            signal.addEventListener('abort', stopWatching, {once: true})
            exitPromise.then(() => {
              launch.abort()
              signal.removeEventListener('abort', stopWatching)
            })
            slot.runner.watchHealth(launch.signal, (healthy, reason) => {
              if (launch.signal.aborted) return
              this.update(name, {state: healthy ? 'ready' : 'unhealthy', message: healthy ? undefined : reason})
              this.system(name, healthy ? 'healthy again' : `unhealthy: ${reason}`)
            })
          }
        },
        (error: Error) => {
          if (signal.aborted) return
          notReady = error.message
        },
      )
      const first = await Promise.race([exitPromise.then((exit) => ({exit})), ready.then(() => undefined)])
      if (first === undefined && notReady !== undefined) {
        // Never became ready (timeout, retries): stop it and give up; a dependent must not start on it.
        const reason = notReady
        this.update(name, {state: 'stopping', message: reason})
        await slot.runner.stop(slot.plan.stopTimeout)
        this.fail(slot, reason)
        return
      }
      const exit: UnitExit = first?.exit ?? (await exitPromise)
      if (signal.aborted) return
      const upMs = Date.now() - launchedAt
      const how = exit.code === null ? `signal ${exit.signal}` : `code ${exit.code}`
      this.update(name, {state: 'exited', exitCode: exit.code, signal: exit.signal, pid: undefined})
      this.system(name, `exited with ${how} after ${formatDuration(upMs)}`)
      if (exit.code === 0) slot.milestones.completed.resolve()
      const decision = slot.tracker?.next(exit, upMs) ?? {restart: false as const, reason: 'no restart policy'}
      if (!decision.restart) {
        const crashLoop = decision.reason.startsWith('crash loop')
        // Its process is gone but something it left (a setsid grandchild) may still hold its port: say who.
        const held = plan.kind === 'server' && plan.port !== undefined ? await portStillHeld(plan.port) : ''
        const message =
          (crashLoop ? `${decision.reason}; last exit ${how}` : `exited with ${how} (${decision.reason})`) + held
        if (held) this.system(name, held.slice(2))
        if (crashLoop) this.fail(slot, message)
        else {
          this.update(name, {state: exit.code === 0 ? 'exited' : 'failed', message})
          slot.milestones.ready.reject(new Error(message))
          slot.milestones.completed.reject(new Error(message))
        }
        return
      }
      this.update(name, {
        state: 'restarting',
        message: `exited with ${how}; restarting in ${formatDuration(decision.delayMs)} (restart ${decision.attempt})`,
      })
      this.system(name, `restarting in ${formatDuration(decision.delayMs)} (restart ${decision.attempt})`)
      await sleep(decision.delayMs, signal)
      if (signal.aborted) return
      this.update(name, {restarts: slot.status.restarts + 1})
    }
  }

  /** Restarts one unit now: stop it, then launch it again (its dependencies are met already). */
  async restartUnit(name: string): Promise<void> {
    const slot = this.requireSlot(name)
    await this.stopUnit(name)
    slot.tracker?.reset()
    this.update(name, {restarts: slot.status.restarts + 1})
    this.resetMilestones(slot)
    this.launchLoop(slot)
  }

  async startUnit(name: string): Promise<void> {
    const slot = this.requireSlot(name)
    if (['starting', 'ready', 'unhealthy', 'restarting', 'pending', 'stopping'].includes(slot.status.state)) {
      throw new Error(`${name} is already ${slot.status.state}`)
    }
    slot.tracker?.reset()
    this.resetMilestones(slot)
    this.launchLoop(slot)
  }

  async stopUnit(name: string): Promise<void> {
    const slot = this.requireSlot(name)
    slot.loop?.abort()
    this.update(name, {state: 'stopping'})
    this.system(name, 'stopping')
    await slot.runner.stop(slot.plan.stopTimeout)
    await slot.loopDone
    this.update(name, {state: 'stopped', pid: undefined, message: undefined})
    this.system(name, 'stopped')
  }

  private resetMilestones(slot: UnitSlot): void {
    for (const key of ['started', 'ready', 'completed'] as const) {
      if (slot.milestones[key].settled) slot.milestones[key] = new Deferred()
    }
  }

  private requireSlot(name: string): UnitSlot {
    const slot = this.slots.get(name)
    if (!slot) throw new Error(`no unit named ${name} (have: ${[...this.slots.keys()].join(', ')})`)
    if (this.stopping) throw new Error('the session is stopping')
    return slot
  }

  /**
   * Stops everything: each unit once every unit depending on it has stopped (reverse dependency order,
   * independent ones in parallel), then checks that no group is alive and every port is free.
   * `timeoutMs` overrides each unit's own stop timeout.
   */
  stop(timeoutMs?: number): Promise<StopReport> {
    if (!this.stopPromise) this.stopPromise = this.doStop(timeoutMs)
    return this.stopPromise
  }

  /** A second Ctrl-C: SIGKILL every group now. */
  forceKill(): void {
    for (const {name, pgid} of this.groups())
      killGroupNow(pgid, this.marker ? {session: this.marker, unit: name} : undefined)
  }

  private async doStop(timeoutMs: number | undefined): Promise<StopReport> {
    const began = Date.now()
    this.stopping = true
    for (const slot of this.slots.values()) slot.loop?.abort()
    const done = new Map<string, Promise<void>>()
    const stopOne = (slot: UnitSlot): Promise<void> => {
      const existing = done.get(slot.plan.name)
      if (existing) return existing
      const dependents = [...this.slots.values()].filter((s) => slot.plan.name in s.plan.dependsOn)
      const p = Promise.all(dependents.map(stopOne)).then(async () => {
        const wasRunning = ['starting', 'ready', 'unhealthy', 'restarting', 'stopping'].includes(slot.status.state)
        if (wasRunning) {
          this.update(slot.plan.name, {state: 'stopping'})
          this.system(slot.plan.name, 'stopping')
        }
        await slot.runner.stop(timeoutMs ?? slot.plan.stopTimeout)
        await slot.loopDone
        if (slot.status.state !== 'failed') this.update(slot.plan.name, {state: 'stopped', pid: undefined})
        if (wasRunning) this.system(slot.plan.name, 'stopped')
      })
      done.set(slot.plan.name, p)
      return p
    }
    await Promise.all([...this.slots.values()].map(stopOne))
    const problems = await verifyStopped(
      [...this.slots.values()].map((s) => ({
        name: s.plan.name,
        pgid: s.status.pgid,
        port: s.plan.kind === 'server' ? s.plan.port : undefined,
      })),
      this.marker,
    )
    return {clean: problems.length === 0, problems, ms: Date.now() - began}
  }
}

/** No process of any group is alive and every port is free; otherwise one line per leftover. */
export async function verifyStopped(
  units: {name: string; pgid?: number; port?: number}[],
  marker?: string,
): Promise<string[]> {
  const problems: string[] = []
  for (const u of units) {
    if (u.pgid && isGroupRunning(u.pgid)) problems.push(`${u.name}: process group ${u.pgid} is still alive`)
  }
  if (marker)
    for (const p of markedProcesses(marker))
      if (!units.some((u) => u.pgid === p.pgid))
        problems.push(`${p.unit ?? 'a unit'}: pid ${p.pid} (${p.comm}) outside its group is still alive`)
  for (const u of units) {
    if (u.port === undefined) continue
    // A port can stay busy for a moment after its process died (the kernel closes sockets asynchronously).
    let free = await isPortFree(u.port)
    for (let i = 0; !free && i < 20; i++) {
      await sleep(25)
      free = await isPortFree(u.port)
    }
    if (!free) {
      const holder = findPortHolder(u.port)
      problems.push(
        `${u.name}: port ${u.port} is still in use${holder ? ` by pid ${holder.pid} (${holder.command})` : ''}`,
      )
    }
  }
  return problems
}

/** `; port N is still held by pid P (command)` when a process still listens on the port, else ''. */
async function portStillHeld(port: number): Promise<string> {
  // The kernel closes a dead process's sockets a moment after it exits: look twice before saying so.
  for (let i = 0; i < 4; i++) {
    if (await isPortFree(port)) return ''
    await sleep(25)
  }
  const holder = findPortHolder(port)
  return holder
    ? `; port ${port} is still held by pid ${holder.pid} (${holder.command})`
    : `; port ${port} is still held`
}

function milestoneOf(condition: ConditionName): 'started' | 'ready' | 'completed' {
  return condition === 'healthy' ? 'ready' : condition
}
