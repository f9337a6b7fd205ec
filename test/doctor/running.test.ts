/**
 * A running session of the real built-in pair (`naaccord serve services|web`), each server leading its own
 * process group as the supervisor launches them. The supervisor itself is another engineer's work in progress,
 * so a sleeping process stands in for it, recorded in .naaccord/state.json exactly as protocol.ts lays it out.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {builtinConfig, cliBin, freePort, tempProject} from '../helpers/index.js'
import {serveControlSocket, serveHungSocket, unit, writeSession} from './fixtures.js'
import {doctor, kill, one, sleeper, waitForLine} from './helpers.js'

const KEY = 'running-session-key-0123456789'

describe('doctor: a running session of the built-in pair', () => {
  const children: ChildProcess[] = []
  const cleanups: (() => void)[] = []
  const asyncCleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of asyncCleanups) await c()
    asyncCleanups.length = 0
    for (const c of children.reverse()) await kill(c)
    for (const c of cleanups) c()
    children.length = 0
    cleanups.length = 0
  })

  async function serve(role: 'web' | 'services', args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, [cliBin, 'serve', role, ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {PATH: process.env.PATH, NO_COLOR: '1', ...env},
    })
    children.push(child)
    await waitForLine(child, 'listening on')
    return child
  }

  /** A project whose session runs; the servers may be given other keys than the config's. */
  async function running(opts: {servicesKey?: string; webKey?: string} = {}) {
    const webPort = await freePort()
    const servicesPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort, key: KEY}))
    cleanups.push(p.cleanup)
    const supervisor = await sleeper()
    children.push(supervisor)
    const startedAt = Date.now()
    const services = await serve(
      'services',
      ['--port', String(servicesPort), '--storage', path.join(p.dir, 'storage', 'workspace')],
      {INTERNAL_API_KEY: opts.servicesKey ?? KEY},
    )
    const web = await serve('web', ['--port', String(webPort)], {
      INTERNAL_API_KEY: opts.webKey ?? KEY,
      SERVICES_URL: `http://127.0.0.1:${servicesPort}`,
    })
    const launched = (child: ChildProcess, port: number) => ({
      pid: child.pid,
      pgid: child.pid,
      startedAt,
      state: 'ready' as const,
      port,
      url: `http://127.0.0.1:${port}`,
    })
    const paths = writeSession(p.dir, {
      supervisorPid: supervisor.pid as number,
      startedAt,
      watch: [path.join(p.dir, 'storage', 'web-tmp')],
      units: [
        unit('services', 'services', launched(services, servicesPort)),
        unit('web', 'web', launched(web, webPort)),
      ],
    })
    const status = JSON.parse(readFileSync(paths.state, 'utf8'))
    const close = await serveControlSocket(paths.socket, () => status)
    asyncCleanups.push(close)
    return {dir: p.dir, webPort, servicesPort, supervisor: supervisor.pid, paths}
  }

  it('checks services health, web to services, the watched folders, and accepts its own ports', async () => {
    const s = await running()
    const report = await doctor(s.dir)
    expect(one(report, 'session').message).toMatch(
      new RegExp(`^a session is running \\(supervisor pid ${s.supervisor} for `),
    )
    expect(one(report, 'ports', `web:${s.webPort}`).message).toBe(
      `web: port ${s.webPort} is held by this project's running session`,
    )
    expect(one(report, 'ports', `services:${s.servicesPort}`).status).toBe('ok')
    expect(one(report, 'services-health').message).toMatch(/^services is healthy \(LocalFileSystemStorage, \d+ms\)$/)
    expect(one(report, 'web-health').message).toMatch(/^web reaches services \(test_passed, \d+ms\)$/)
    expect(one(report, 'web-watch').message).toBe(`web: ${path.join(s.dir, 'storage', 'web-tmp')} is empty`)
    expect(report.summary.errors).toBe(0)
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

  it('reports servers started with keys other than the config’s: services 403, web test_passed false', async () => {
    const other = 'another-services-key-000000'
    const s = await running({servicesKey: other})
    const report = await doctor(s.dir)
    const svc = one(report, 'services-health')
    expect(svc.message).toBe('services refuses the key (403)')
    const w = one(report, 'web-health')
    expect(w.status).toBe('error')
    expect(w.message).toBe('web answers but cannot reach services (test_passed: false)')
    expect(w.detail?.[1]).toBe('web says: services answered 403')
    expect(JSON.stringify(report)).not.toContain(other)
  })

  it('warns when the supervisor is alive but its control socket does not answer', async () => {
    const webPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort: await freePort(), key: KEY}))
    cleanups.push(p.cleanup)
    const supervisor = await sleeper()
    children.push(supervisor)
    const paths = writeSession(p.dir, {supervisorPid: supervisor.pid as number, units: [unit('web', 'web')]})
    asyncCleanups.push(await serveHungSocket(paths.socket))
    const r = one(await doctor(p.dir), 'session')
    expect(r.status).toBe('warn')
    expect(r.message).toBe(
      `a session is running (supervisor pid ${supervisor.pid}) but its control socket does not answer`,
    )
    expect(r.fix).toBe(`kill ${supervisor.pid}`)
  })

  it('skips the running-session checks when no session runs', async () => {
    const p = tempProject(builtinConfig({webPort: await freePort(), servicesPort: await freePort()}))
    cleanups.push(p.cleanup)
    const report = await doctor(p.dir)
    for (const id of ['services-health', 'web-health', 'web-watch']) expect(one(report, id).status).toBe('skip')
  })
})
