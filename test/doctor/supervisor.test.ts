/**
 * End to end with the real supervisor: `naaccord start --detach` of the built-in pair, the doctor on the healthy
 * session, then the supervisor killed with SIGKILL, the doctor on what it left behind, and `doctor --fix`.
 */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {SessionStatus} from '../../src/session/protocol.js'
import {isGroupAlive, isPortFree} from '../../src/util/ports.js'
import {builtinConfig, freePort, runCli, tempProject} from '../helpers/index.js'
import {doctor, isAlive, one, tree} from './helpers.js'

describe('doctor with the real supervisor', () => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c()
    cleanups.length = 0
  })

  it('passes a healthy session, then finds it stale after kill -9 of its supervisor, and --fix clears it', async () => {
    const webPort = await freePort()
    const servicesPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort}))
    const stateFile = path.join(p.dir, '.naaccord', 'state.json')
    const recorded = () => JSON.parse(readFileSync(stateFile, 'utf8')) as SessionStatus
    let groups: number[] = []
    cleanups.push(p.cleanup, () => {
      // Whatever the test got to: nothing of the session may outlive it.
      for (const g of groups)
        try {
          process.kill(-g, 'SIGKILL')
        } catch {}
    })
    const start = await runCli(['start', '--detach', '--no-dashboard'], {cwd: p.dir})
    expect(start.exitCode, String(start.all)).toBe(0)
    const status = recorded()
    groups = [status.supervisorPid, ...status.units.map((u) => u.pgid ?? u.pid ?? 0).filter((g) => g > 1)]
    cleanups.push(() => runCli(['stop'], {cwd: p.dir}))

    const healthy = await doctor(p.dir)
    expect(healthy.summary.errors, JSON.stringify(healthy.results.filter((r) => r.status === 'error'))).toBe(0)
    expect(one(healthy, 'session').message).toMatch(/^a session is running/)
    expect(one(healthy, 'ports', `web:${webPort}`).message).toContain("held by this project's running session")
    expect(one(healthy, 'services-health').status).toBe('ok')
    expect(one(healthy, 'web-health').message).toMatch(/^web reaches services \(test_passed/)
    expect(one(healthy, 'web-watch').status).toBe('ok')

    process.kill(status.supervisorPid, 'SIGKILL')
    while (isAlive(status.supervisorPid)) await new Promise((r) => setTimeout(r, 20))
    const stale = await doctor(p.dir)
    expect(one(stale, 'session').message).toBe(
      `stale session: supervisor pid ${status.supervisorPid} is gone but 2 of its server group(s) still run`,
    )
    expect(one(stale, 'ports', `web:${webPort}`).message).toBe(
      `web: port ${webPort} is held by an orphan of this project's crashed session (web)`,
    )

    const before = tree(p.dir)
    const fixed = await doctor(p.dir, {fix: true})
    expect(fixed.fixed).toHaveLength(1)
    expect(fixed.fixed[0]).toMatch(
      new RegExp(
        `^cleared a stale session in .* \\(supervisor pid ${status.supervisorPid} is gone\\); stopped orphaned services .*; stopped orphaned web `,
      ),
    )
    // SIGKILL (after the grace period) is delivered and the processes reaped by init a moment later.
    const gone = Date.now() + 5000
    while (status.units.some((u) => isGroupAlive(u.pgid as number)) && Date.now() < gone)
      await new Promise((r) => setTimeout(r, 50))
    for (const u of status.units) expect(isGroupAlive(u.pgid as number)).toBe(false)
    expect(await isPortFree(webPort)).toBe(true)
    expect(await isPortFree(servicesPort)).toBe(true)
    // Exactly the session files went; logs and storage stay; nothing appeared.
    const after = tree(p.dir)
    expect(before.filter((f) => !after.includes(f)).sort()).toEqual([
      '.naaccord/control.sock',
      '.naaccord/session.lock',
      '.naaccord/state.json',
    ])
    expect(after.filter((f) => !before.includes(f))).toEqual([])
    expect(existsSync(path.join(p.dir, '.naaccord', 'logs', 'web.log'))).toBe(true)
    expect(one(fixed, 'session').message).toBe('no session is running')
    expect(fixed.summary.errors).toBe(0)
  })
})
