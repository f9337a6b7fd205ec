import type {ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {isGroupAlive} from '../../src/util/ports.js'
import {builtinConfig, freePort, tempProject} from '../helpers/index.js'
import {unit, writeSession} from './fixtures.js'
import {byId, deadPid, doctor, isAlive, kill, listener, one, sleeper, tree} from './helpers.js'

describe('doctor: stale session', () => {
  const children: ChildProcess[] = []
  const cleanups: (() => void)[] = []
  afterEach(async () => {
    for (const c of children) await kill(c)
    for (const c of cleanups) c()
    children.length = 0
    cleanups.length = 0
  })

  async function project() {
    const webPort = await freePort()
    const servicesPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort}))
    cleanups.push(p.cleanup)
    // Storage in place, so that the session is the only thing --fix has to repair.
    for (const sub of ['uploads', 'processed', 'temp'])
      mkdirSync(path.join(p.dir, 'storage', 'workspace', sub), {recursive: true})
    return {...p, webPort, servicesPort}
  }

  it('reports no session as ok', async () => {
    const p = await project()
    expect(one(await doctor(p.dir), 'session').message).toBe('no session is running')
  })

  it('finds a killed supervisor, its orphan holding a port, and --fix stops only that orphan', async () => {
    const p = await project()
    // The orphan: web's process group, still listening after its supervisor was killed with SIGKILL.
    const orphan = await listener(p.webPort, {detached: true})
    children.push(orphan)
    // A foreign process group whose pid is recorded for services, but launched long before that unit was:
    // a reused id, which must never be touched.
    const foreign = await sleeper()
    children.push(foreign)
    const supervisor = await deadPid()
    const paths = writeSession(p.dir, {
      supervisorPid: supervisor,
      startedAt: Date.now() - 1000,
      units: [
        unit('web', 'web', {pid: orphan.pid, pgid: orphan.pid, startedAt: Date.now(), port: p.webPort}),
        unit('services', 'services', {pid: foreign.pid, pgid: foreign.pid, startedAt: Date.now() - 3_600_000}),
      ],
    })

    const before = await doctor(p.dir)
    const s = one(before, 'session')
    expect(s.status).toBe('error')
    expect(s.message).toContain(`supervisor pid ${supervisor} is gone but 1 of its server group(s) still run`)
    expect(s.detail).toEqual([`web: process group ${orphan.pid} (pids ${orphan.pid})`])
    expect(s.fix).toBe('naaccord doctor --fix')
    const port = one(before, 'ports', `web:${p.webPort}`)
    expect(port.status).toBe('error')
    expect(port.message).toContain("orphan of this project's crashed session (web)")
    expect(port.fix).toBe('naaccord doctor --fix')

    const treeBefore = tree(p.dir)
    const after = await doctor(p.dir, {fix: true})
    expect(after.fixed).toEqual([
      `cleared a stale session in ${paths.dir} (supervisor pid ${supervisor} is gone); stopped orphaned web (process group ${orphan.pid}) with SIGTERM`,
    ])
    // The orphan is this test's child, so it is a zombie until the test reaps it (a real orphan's parent is
    // init, which reaps at once): wait for the reaping, then nothing of its group may be left.
    if (orphan.exitCode === null && orphan.signalCode === null) await once(orphan, 'exit')
    expect(orphan.signalCode).toBe('SIGTERM')
    expect(isGroupAlive(orphan.pid as number)).toBe(false)
    expect(isAlive(foreign.pid as number)).toBe(true)
    // Exactly the session files went, nothing appeared; logs stay.
    const treeAfter = tree(p.dir)
    expect(treeBefore.filter((f) => !treeAfter.includes(f))).toEqual(['.naaccord/session.lock', '.naaccord/state.json'])
    expect(treeAfter.filter((f) => !treeBefore.includes(f))).toEqual([])
    expect(existsSync(paths.logs)).toBe(true)
    expect(one(after, 'session').status).toBe('ok')
    expect(one(after, 'ports', `web:${p.webPort}`).status).toBe('ok')
  })

  it('calls leftover files of a dead supervisor with no orphans a warning, and --fix removes them', async () => {
    const p = await project()
    const supervisor = await deadPid()
    const paths = writeSession(p.dir, {supervisorPid: supervisor, units: [unit('web', 'web')]})
    const r = one(await doctor(p.dir), 'session')
    expect(r.status).toBe('warn')
    expect(r.detail).toEqual([paths.lock, paths.state])
    const after = await doctor(p.dir, {fix: true})
    expect(after.fixed).toEqual([`cleared a stale session in ${paths.dir} (supervisor pid ${supervisor} is gone)`])
    expect(existsSync(paths.lock) || existsSync(paths.state)).toBe(false)
    expect(byId(after, 'session')[0].status).toBe('ok')
  })
})
