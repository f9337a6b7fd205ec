/**
 * A running session. The supervisor and built-in servers are other engineers' work in progress, so the session
 * here is a stand-in process that serves the contract's health calls on both ports and is recorded as the
 * session's supervisor in .naaccord/state.json, exactly as the supervisor records itself.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {builtinConfig, freePort, tempProject} from '../helpers/index.js'
import {unit, writeSession} from './fixtures.js'
import {doctor, kill, one, waitForLine} from './helpers.js'

const KEY = 'running-session-key-0123456789'
const STANDIN = path.join(import.meta.dirname, 'fixtures', 'standin.mjs')

describe('doctor: a running session', () => {
  const children: ChildProcess[] = []
  const cleanups: (() => void)[] = []
  afterEach(async () => {
    for (const c of children) await kill(c)
    for (const c of cleanups) c()
    children.length = 0
    cleanups.length = 0
  })

  /** A project whose session runs: its config says `configKey`; the running servers hold the given keys. */
  async function running(opts: {configKey?: string; servicesKey?: string; webKey?: string} = {}) {
    const webPort = await freePort()
    const servicesPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort, key: opts.configKey ?? KEY}))
    cleanups.push(p.cleanup)
    const child = spawn(
      process.execPath,
      [STANDIN, String(servicesPort), String(webPort), opts.servicesKey ?? KEY, opts.webKey ?? KEY],
      {stdio: ['ignore', 'pipe', 'inherit']},
    )
    children.push(child)
    await waitForLine(child, 'ready')
    const pid = child.pid as number
    const at = {pid, startedAt: Date.now(), state: 'ready' as const}
    writeSession(p.dir, {
      supervisorPid: pid,
      startedAt: Date.now(),
      watch: [path.join(p.dir, 'storage', 'web-tmp')],
      units: [
        unit('services', 'services', {...at, port: servicesPort, url: `http://127.0.0.1:${servicesPort}`}),
        unit('web', 'web', {...at, port: webPort, url: `http://127.0.0.1:${webPort}`}),
      ],
    })
    return {dir: p.dir, webPort, servicesPort, pid}
  }

  it('checks services health, web to services, the watched folders, and accepts its own ports', async () => {
    const s = await running()
    const report = await doctor(s.dir)
    expect(one(report, 'session').message).toMatch(new RegExp(`^a session is running \\(supervisor pid ${s.pid} for `))
    expect(one(report, 'ports', `web:${s.webPort}`).message).toBe(
      `web: port ${s.webPort} is held by this project's running session`,
    )
    expect(one(report, 'ports', `services:${s.servicesPort}`).status).toBe('ok')
    expect(one(report, 'services-health').message).toMatch(/^services is healthy \(LocalFileSystemStorage, \d+ms\)$/)
    expect(one(report, 'web-health').message).toMatch(/^web reaches services \(test_passed, \d+ms\)$/)
    expect(one(report, 'web-watch').message).toBe(`web: ${path.join(s.dir, 'storage', 'web-tmp')} is empty`)
  })

  it("finds files in web's watched folder", async () => {
    const s = await running()
    const spool = path.join(s.dir, 'storage', 'web-tmp', 'spool')
    mkdirSync(spool, {recursive: true})
    writeFileSync(path.join(spool, 'upload-0001.part'), 'x')
    const r = one(await doctor(s.dir), 'web-watch')
    expect(r.status).toBe('error')
    expect(r.message).toBe(`web wrote 1 file(s) to ${path.join(s.dir, 'storage', 'web-tmp')}`)
    expect(r.detail?.[0]).toBe(path.join('spool', 'upload-0001.part'))
  })

  it('reports web answering with test_passed false when its key is not the one services has', async () => {
    const s = await running({webKey: KEY, servicesKey: 'another-services-key-000000'})
    const report = await doctor(s.dir)
    expect(one(report, 'services-health').message).toBe('services refuses the key (403)')
    const w = one(report, 'web-health')
    expect(w.status).toBe('error')
    expect(w.message).toBe('web answers but cannot reach services (test_passed: false)')
  })

  it('skips the running-session checks when no session runs', async () => {
    const p = tempProject(builtinConfig({webPort: await freePort(), servicesPort: await freePort()}))
    cleanups.push(p.cleanup)
    const report = await doctor(p.dir)
    for (const id of ['services-health', 'web-health', 'web-watch']) expect(one(report, id).status).toBe('skip')
  })
})
