/** Helpers for the doctor's tests: run it in-process on a temp project, and build real conditions for it. */
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {createContext} from '../../src/doctor/context.js'
import {type DoctorReport, runDoctor} from '../../src/doctor/index.js'
import type {CheckResult} from '../../src/doctor/types.js'

/** A clean environment: nothing of the developer's (INTERNAL_API_KEY, DOCKER_HOST…) leaks into a test. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {PATH: process.env.PATH, HOME: process.env.HOME, ...extra}
}

export function doctor(
  dir: string,
  options: {env?: Record<string, string | undefined>; fix?: boolean; online?: boolean; profiles?: string[]} = {},
): Promise<DoctorReport> {
  return runDoctor(
    () =>
      createContext({
        // Found from the project folder as a developer's shell would (and so "no config" stays testable).
        configPath: existsSync(path.join(dir, 'naaccord.config.yaml'))
          ? path.join(dir, 'naaccord.config.yaml')
          : undefined,
        cwd: dir,
        env: baseEnv(options.env),
        online: options.online,
        profiles: options.profiles,
      }),
    {fix: options.fix},
  )
}

export function byId(report: DoctorReport, id: string): CheckResult[] {
  return report.results.filter((r) => r.id === id)
}

export function one(report: DoctorReport, id: string, subject?: string): CheckResult {
  const hits = byId(report, id).filter((r) => subject === undefined || r.subject === subject)
  if (hits.length !== 1)
    throw new Error(
      `expected one ${id}${subject ? ` (${subject})` : ''} result, got ${JSON.stringify(byId(report, id))}`,
    )
  return hits[0]
}

/** A child node process listening on 127.0.0.1:port; detached makes it lead its own process group. */
export async function listener(port: number, options: {detached?: boolean} = {}): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`],
    {detached: options.detached ?? false, stdio: ['ignore', 'pipe', 'inherit']},
  )
  await waitForLine(child, 'ready')
  return child
}

/** A child that just sleeps, in its own process group. */
export async function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', "setInterval(() => {}, 1e6); console.log('ready')"], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await waitForLine(child, 'ready')
  return child
}

export async function waitForLine(child: ChildProcess, text: string): Promise<void> {
  let seen = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (seen.includes(text)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${text}`)))
  })
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Kills a child (its whole group when it leads one) and waits for it to be gone. */
export async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
  await exited
}

/** A pid that was alive a moment ago and is now dead: a supervisor killed with SIGKILL. */
export async function deadPid(): Promise<number> {
  const child = await sleeper()
  const pid = child.pid as number
  await kill(child)
  return pid
}

/** Every path below dir, relative and sorted: compared before and after --fix. */
export function tree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const full = path.join(d, e.name)
      out.push(path.relative(dir, full) + (e.isDirectory() ? '/' : ''))
      if (e.isDirectory()) walk(full)
    }
  }
  walk(dir)
  return out.sort()
}
