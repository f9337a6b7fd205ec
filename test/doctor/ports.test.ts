import type {ChildProcess} from 'node:child_process'
import {execFileSync, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {isPortFree} from '../../src/util/ports.js'
import {builtinConfig, cliBin, freePort, tempProject} from '../helpers/index.js'
import {doctor, kill, listener, one, waitForLine} from './helpers.js'

describe('doctor: ports', () => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c()
    cleanups.length = 0
  })

  async function project() {
    const webPort = await freePort()
    const servicesPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort}))
    cleanups.push(p.cleanup)
    return {...p, webPort, servicesPort}
  }

  it('reports free ports as ok', async () => {
    const p = await project()
    const report = await doctor(p.dir)
    expect(one(report, 'ports', `web:${p.webPort}`).status).toBe('ok')
    expect(one(report, 'ports', `services:${p.servicesPort}`).status).toBe('ok')
  })

  it('names the pid and command line of a foreign process holding a port', async () => {
    const p = await project()
    const holder: ChildProcess = await listener(p.webPort)
    cleanups.push(() => kill(holder))
    const report = await doctor(p.dir)
    const r = one(report, 'ports', `web:${p.webPort}`)
    expect(r.status).toBe('error')
    expect(r.message).toContain('in use by another program')
    expect(r.detail?.[0]).toMatch(new RegExp(`^pid ${holder.pid}: .*node -e .*createServer`))
    expect(r.fix).toBe(`kill ${holder.pid}`)
    expect(one(report, 'ports', `services:${p.servicesPort}`).status).toBe('ok')
    expect(report.summary.errors).toBeGreaterThan(0)
  })

  it("checks a dependency's published host port too", async () => {
    const port = await freePort()
    const p = tempProject(
      `project: nac-deps\ndependencies:\n  redis:\n    image: redis:7\n    ports: ["${port}:6379"]\n`,
    )
    cleanups.push(p.cleanup)
    const holder = await listener(port)
    cleanups.push(() => kill(holder))
    const r = one(await doctor(p.dir), 'ports', `redis:${port}`)
    expect(r.status).toBe('error')
    expect(r.detail?.[1]).toBe(
      `stop it (kill ${holder.pid}) or give redis another port (dependencies.redis.ports[0]) in naaccord.local.yaml`,
    )
  })

  it("recognises this project's own server running outside any session, and its fix stops it", async () => {
    const p = await project()
    // Started the way the plan starts web (same command line, same folder), with no session recording it.
    const server = spawn(
      process.execPath,
      [cliBin, 'serve', 'web', '--host', '127.0.0.1', '--port', String(p.webPort)],
      {cwd: p.dir, detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: {PATH: process.env.PATH}},
    )
    cleanups.push(() => kill(server))
    await waitForLine(server, 'listening on')
    const r = one(await doctor(p.dir), 'ports', `web:${p.webPort}`)
    expect(r.message).toBe(`web: port ${p.webPort} is held by this project's web server, running outside any session`)
    expect(r.fix).toBe(`kill -- -${server.pid}`)
    const exited = once(server, 'exit')
    execFileSync('sh', ['-c', r.fix as string])
    await exited
    expect(await isPortFree(p.webPort)).toBe(true)
  })

  it('gives the exact tmux kill-session command for a leftover of a tmux session', async () => {
    const p = await project()
    const socket = `nac-doctor-${process.pid}-${Date.now()}`
    const script = `require('net').createServer().listen(${p.servicesPort}, '127.0.0.1')`
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'old-depot', process.execPath, '-e', script])
    cleanups.push(() => {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], {stdio: 'ignore'})
      } catch {}
    })
    const deadline = Date.now() + 10_000
    while ((await isPortFree(p.servicesPort)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))

    const r = one(await doctor(p.dir), 'ports', `services:${p.servicesPort}`)
    expect(r.status).toBe('error')
    expect(r.message).toContain('tmux session old-depot')
    expect(r.fix).toBe(`tmux -L ${socket} kill-session -t old-depot`)

    // The command it prints really stops the holder.
    execFileSync('sh', ['-c', r.fix as string])
    const until = Date.now() + 10_000
    while (!(await isPortFree(p.servicesPort)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect(await isPortFree(p.servicesPort)).toBe(true)
  })

  it('suggests killing only the pane when the doctor runs inside that same tmux session', async () => {
    const p = await project()
    const socket = `nac-doctor-own-${process.pid}-${Date.now()}`
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'})
    const script = `require('net').createServer().listen(${p.webPort}, '127.0.0.1')`
    tmux('new-session', '-d', '-s', 'dev', process.execPath, '-e', script)
    cleanups.push(() => {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], {stdio: 'ignore'})
      } catch {}
    })
    const holderPane = tmux('list-panes', '-t', 'dev', '-F', '#{pane_id}').trim()
    const out = path.join(p.dir, 'doctor.json')
    const config = path.join(p.dir, 'naaccord.config.yaml')
    // The doctor in a second window of the same session, as a developer would run it.
    tmux(
      'new-window',
      '-t',
      'dev',
      `NO_COLOR=1 ${process.execPath} ${cliBin} doctor --json --config ${config} > ${out}.tmp; mv ${out}.tmp ${out}`,
    )
    const deadline = Date.now() + 30_000
    while (!existsSync(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const report = JSON.parse(readFileSync(out, 'utf8'))
    const r = report.checks.find((c: {subject?: string}) => c.subject === `web:${p.webPort}`)
    expect(r.message).toBe(`web: port ${p.webPort} is held by a process in a pane of this tmux session (dev)`)
    expect(r.fix).toBe(`tmux -L ${socket} kill-pane -t ${holderPane}`)
  })
})
