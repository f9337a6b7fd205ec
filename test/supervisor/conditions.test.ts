/**
 * `restart: always` and the `completed` dependsOn condition, with real child processes in a real session.
 * What is asserted: files the processes wrote, and the session's own events and status.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan} from '../../src/config/plan.js'
import type {SessionEvent} from '../../src/session/protocol.js'
import {type Session, startSession} from '../../src/session/session.js'
import {tempProject} from '../helpers/index.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function run(servers: string) {
  const t = tempProject(`project: nac-cond\nservers:\n${servers}`)
  const plan = buildPlan(loadConfig({configPath: `${t.dir}/naaccord.config.yaml`, noLocal: true}), {profiles: []})
  const events: SessionEvent[] = []
  const s: Session = await startSession(plan, {onEvent: (e) => events.push(e)})
  cleanups.push(async () => {
    await s.stop(1000)
    t.cleanup()
  })
  const logs = (unit: string) => events.flatMap((e) => (e.type === 'log' && e.log.unit === unit ? [e.log.line] : []))
  const unit = (name: string) => s.status().units.find((u) => u.name === name)!
  return {s, dir: t.dir, logs, unit}
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('restart: always', () => {
  it('restarts a unit that exits 0, until its crash-loop limit', async () => {
    const {dir, unit} = await run(`  once:
    command: [sh, -c, "echo run >> runs; exit 0"]
    restart: {policy: always, maxRestarts: 2, window: 1m, backoff: {initial: 10ms, max: 20ms}}
`)
    await until(() => unit('once').state === 'failed', 'the crash loop')
    expect(readFileSync(path.join(dir, 'runs'), 'utf8').trim().split('\n')).toEqual(['run', 'run', 'run'])
    expect(unit('once').restarts).toBe(2)
    expect(unit('once').message).toMatch(/crash loop: 2 restarts within 60s.*last exit code 0/)
  })
})

describe('dependsOn: completed', () => {
  it('starts the dependent only once the other unit has exited 0', async () => {
    const {s, logs, unit} = await run(`  migrate:
    command: [sh, -c, "sleep 0.3; echo migrated > migrated"]
  app:
    command: [sh, -c, "cat migrated; exec sleep 30"]
    dependsOn: {migrate: completed}
`)
    await s.ready
    await until(() => logs('app').includes('migrated'), "app's output")
    expect(unit('migrate').state).toBe('exited')
    expect(unit('migrate').exitCode).toBe(0)
    expect(unit('app').state).toBe('ready')
  })

  it('does not start the dependent when the other unit exits non-zero, and says why', async () => {
    const {s, dir, unit} = await run(`  migrate:
    command: [sh, -c, "exit 3"]
  app:
    command: [sh, -c, "touch app-ran; exec sleep 30"]
    dependsOn: {migrate: completed}
`)
    await expect(s.ready).rejects.toThrow(/exited with code 3/)
    await until(() => unit('app').state === 'failed', 'app to fail')
    expect(unit('app').message).toMatch(/^not started: migrate never became completed \(exited with code 3/)
    expect(unit('app').startedAt).toBeUndefined()
    expect(() => readFileSync(path.join(dir, 'app-ran'))).toThrow(/ENOENT/)
  })
})
