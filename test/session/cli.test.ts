/**
 * The session end to end through the built CLI: real servers, real process groups, real ports.
 * Each test checks what is left afterwards in /proc and on the ports, not just what the CLI said.
 */
import {existsSync, readFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {execa} from 'execa'
import {afterEach, describe, expect, it} from 'vitest'
import {isPortFree} from '../../src/util/ports.js'
import {builtinConfig, cliBin, freePort, tempProject} from '../helpers/index.js'
import {CRASH_JS, cli, FORKER_JS, groupPids, isAlive, SERVER_JS, simpleConfig, waitFor} from './fixtures.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function project(yaml: string, files: Record<string, string> = {}) {
  const t = tempProject(yaml, files)
  cleanups.push(async () => {
    // Whatever a failed assertion left running: stop it before removing the folder.
    await cli(['stop', '--timeout', '500ms'], t.dir)
    t.cleanup()
  })
  return t.dir
}

/** A project whose one server (forker.js) forks a child that ignores SIGTERM, stopped with `timeout`. */
function forkerProject(name: string, unit: string, port: number, timeout: string) {
  return project(
    simpleConfig(name, `  ${unit}:\n    command: node forker.js\n    port: ${port}\n    stop: {timeout: ${timeout}}\n`),
    {'forker.js': FORKER_JS},
  )
}

interface StatusJson {
  running: boolean
  supervisorPid: number
  units: {name: string; state: string; pid?: number; pgid?: number; port?: number}[]
}

// Several CLI runs per test: generous time for a busy 2-core machine.
describe('naaccord start/status/stop', {timeout: 180_000}, () => {
  it('starts the built-in pair detached, reports it, and stops it leaving no process and both ports free', async () => {
    const [webPort, servicesPort] = [await freePort(), await freePort()]
    const dir = project(builtinConfig({webPort, servicesPort}))
    const started = await cli(['start', '--detach'], dir)
    expect(started.exitCode, started.all).toBe(0)
    expect(started.all).toMatch(/services\s+launched .* ready in/)
    expect(started.all).toMatch(/web\s+launched .* ready in/)

    const status = await cli(['status', '--json'], dir)
    const s = JSON.parse(String(status.stdout)) as StatusJson
    expect(s.running).toBe(true)
    expect(s.units.map((u) => [u.name, u.state])).toEqual([
      ['services', 'ready'],
      ['web', 'ready'],
    ])
    const groups = s.units.map((u) => u.pgid!)
    for (const g of groups) expect(groupPids(g).length).toBeGreaterThan(0)
    expect(await isPortFree(webPort)).toBe(false)

    const [table, logs] = await Promise.all([cli(['status'], dir), cli(['logs', 'web', '--tail', '5'], dir)])
    expect(logs.stdout).toMatch(/^web +\| /m)
    expect(table.stdout).toMatch(/NAME\s+ROLE\s+STATE\s+PID\s+PORT\s+READY\s+RESTARTS\s+UPTIME/)
    expect(table.stdout).toMatch(new RegExp(`web\\s+web\\s+ready\\s+\\d+\\s+${webPort}`))

    const stopped = await cli(['stop'], dir)
    expect(stopped.exitCode, stopped.all).toBe(0)
    expect(stopped.stdout).toMatch(/stopped in \d+ms; nothing left running/)
    for (const g of groups) expect(groupPids(g)).toEqual([])
    expect(isAlive(s.supervisorPid)).toBe(false)
    expect(await isPortFree(webPort)).toBe(true)
    expect(await isPortFree(servicesPort)).toBe(true)

    const after = await cli(['status'], dir)
    expect(after.exitCode).toBe(3)
    expect(after.stdout).toMatch(/no session is running/)
  })

  it('stop leaves nothing behind when a server forked a child that ignores SIGTERM, within the timeout', async () => {
    const port = await freePort()
    const dir = forkerProject('nac-forker', 'forker', port, '800ms')
    const started = await cli(['start', '--detach'], dir)
    expect(started.exitCode, started.all).toBe(0)
    const s = JSON.parse(String((await cli(['status', '--json'], dir)).stdout)) as StatusJson
    const pgid = s.units[0].pgid!
    expect(await waitFor(() => groupPids(pgid).length === 2)).toBe(true)
    const stopped = await cli(['stop'], dir)
    expect(stopped.exitCode, stopped.all).toBe(0)
    expect(groupPids(pgid)).toEqual([])
    expect(await isPortFree(port)).toBe(true)
    // The grace period ran out and the whole group was killed (the log says so), rather than waiting forever.
    expect(readFileSync(path.join(dir, '.naaccord/logs/forker.log'), 'utf8')).toMatch(
      /did not stop within 800ms of SIGTERM: SIGKILL to process group \d+/,
    )
  })

  it('after kill -9 of the supervisor, the next stop stops its orphans and clears the session', async () => {
    const port = await freePort()
    const dir = project(simpleConfig('nac-orphan', `  app:\n    command: node server.js\n    port: ${port}\n`), {
      'server.js': SERVER_JS,
    })
    expect((await cli(['start', '--detach'], dir)).exitCode).toBe(0)
    const s = JSON.parse(String((await cli(['status', '--json'], dir)).stdout)) as StatusJson
    process.kill(s.supervisorPid, 'SIGKILL')
    await waitFor(() => !isAlive(s.supervisorPid))
    const pgid = s.units[0].pgid!
    expect(groupPids(pgid).length).toBe(1)

    const stopped = await cli(['stop'], dir)
    expect(stopped.exitCode, stopped.all).toBe(0)
    expect(stopped.stdout).toMatch(/cleared a stale session .*supervisor pid \d+ is gone.*stopped orphaned app/)
    expect(groupPids(pgid)).toEqual([])
    expect(await isPortFree(port)).toBe(true)
    // And the project starts cleanly again.
    const again = await cli(['start', '--detach'], dir)
    expect(again.exitCode, again.all).toBe(0)
  })

  it('after kill -9 of the supervisor, the next start clears the stale session with a one-line notice', async () => {
    const port = await freePort()
    const dir = project(simpleConfig('nac-orphan2', `  app:\n    command: node server.js\n    port: ${port}\n`), {
      'server.js': SERVER_JS,
    })
    expect((await cli(['start', '--detach'], dir)).exitCode).toBe(0)
    const s = JSON.parse(String((await cli(['status', '--json'], dir)).stdout)) as StatusJson
    process.kill(s.supervisorPid, 'SIGKILL')
    await waitFor(() => !isAlive(s.supervisorPid))
    const again = await cli(['start', '--detach'], dir)
    expect(again.exitCode, again.all).toBe(0)
    expect(groupPids(s.units[0].pgid!)).toEqual([])
    expect(again.stdout.split('\n').filter((l) => l.includes('cleared a stale session'))).toHaveLength(1)
  })

  it('start in the foreground prints JSON events; Ctrl-C stops everything and exits 0', async () => {
    const port = await freePort()
    const dir = project(simpleConfig('nac-fg', `  app:\n    command: node server.js\n    port: ${port}\n`), {
      'server.js': SERVER_JS,
    })
    const child = execa(process.execPath, [cliBin, 'start', '--json'], {cwd: dir, reject: false, env: {NO_COLOR: '1'}})
    const events: {event: string; unit?: string; line?: string; pid?: number}[] = []
    let rest = ''
    child.stdout?.on('data', (d: Buffer) => {
      rest += d
      const lines = rest.split('\n')
      rest = lines.pop() ?? ''
      for (const l of lines) if (l.trim()) events.push(JSON.parse(l))
    })
    expect(await waitFor(() => events.some((e) => e.event === 'up'), 60_000)).toBe(true)
    const ready = events.find((e) => e.event === 'ready' && e.unit === 'app')
    expect(ready?.pid).toBeGreaterThan(0)
    child.kill('SIGINT')
    const result = await child
    expect(result.exitCode).toBe(0)
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['starting', 'ready', 'up', 'stopped', 'down']))
    expect(events.some((e) => e.event === 'log' && e.line === `listening on ${port}`)).toBe(true)
    expect(groupPids(ready!.pid!)).toEqual([])
    expect(await isPortFree(port)).toBe(true)
  })

  it('start --detach with a server that dies before ready exits 1 with the reason and leaves no session', async () => {
    const port = await freePort()
    const dir = project(
      simpleConfig('nac-dies', `  app:\n    command: node crash.js\n    port: ${port}\n    startTimeout: 20s\n`),
      {'crash.js': CRASH_JS},
    )
    const started = await cli(['start', '--detach'], dir)
    expect(started.exitCode).toBe(1)
    expect(started.stderr).toMatch(/app: exited with code 3 \(restart policy is no\)/)
    expect(existsSync(path.join(dir, '.naaccord/state.json'))).toBe(false)
    expect(existsSync(path.join(dir, '.naaccord/session.lock'))).toBe(false)
    expect((await cli(['logs', 'app'], dir)).stdout).toMatch(/app +\| crashing now/)
  })

  it('restart <name> relaunches one unit in a new process group and waits until it is ready', async () => {
    const port = await freePort()
    const dir = project(simpleConfig('nac-restart', `  app:\n    command: node server.js\n    port: ${port}\n`), {
      'server.js': SERVER_JS,
    })
    expect((await cli(['start', '--detach'], dir)).exitCode).toBe(0)
    const before = (JSON.parse((await cli(['status', '--json'], dir)).stdout) as StatusJson).units[0]
    const restarted = await cli(['restart', 'app'], dir)
    expect(restarted.exitCode, restarted.all).toBe(0)
    const pid = Number(/app restarted \(pid (\d+)\), ready in \d+ms/.exec(restarted.stdout)?.[1])
    expect(pid).toBeGreaterThan(0)
    expect(pid).not.toBe(before.pid)
    expect(groupPids(before.pgid!)).toEqual([])
    const unknown = await cli(['restart', 'nope'], dir)
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toMatch(/restart nope: no unit named nope \(have: app\)/)
  })

  it('a second Ctrl-C forces: SIGKILL to every group instead of waiting out a long stop timeout', async () => {
    const port = await freePort()
    const dir = forkerProject('nac-force', 'stubborn', port, '5m')
    const child = execa(process.execPath, [cliBin, 'start', '--no-dashboard'], {
      cwd: dir,
      reject: false,
      all: true,
      env: {NO_COLOR: '1'},
    })
    let out = ''
    child.all?.on('data', (d: Buffer) => {
      out += d
    })
    // The child must have set its SIGTERM handler (it says "child up") before the first Ctrl-C, or it dies of it.
    expect(await waitFor(() => out.includes('start-up timeline') && out.includes('child up'), 60_000)).toBe(true)
    child.kill('SIGINT')
    expect(await waitFor(() => out.includes('stopping (Ctrl-C again to force)'))).toBe(true)
    child.kill('SIGINT')
    const result = await child
    expect(String(result.all)).toMatch(/forcing: SIGKILL to every process group/)
    expect(await isPortFree(port)).toBe(true)
    const childPid = Number(/child pid (\d+)/.exec(out)?.[1])
    expect(isAlive(childPid)).toBe(false)
  })

  it('refuses to start when a port is taken by a foreign process, naming it, before launching anything', async () => {
    const [port, otherPort] = [await freePort(), await freePort()]
    const holder = net.createServer()
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r))
    cleanups.push(() => new Promise<void>((r) => holder.close(() => r())))
    const dir = project(
      simpleConfig(
        'nac-busy',
        `  first:\n    command: node server.js\n    port: ${otherPort}\n  second:\n    command: node server.js\n    port: ${port}\n`,
      ),
      {'server.js': SERVER_JS},
    )
    const started = await cli(['start', '--no-dashboard'], dir)
    expect(started.exitCode).toBe(1)
    expect(started.stderr).toMatch(new RegExp(`second: port ${port} is already in use by pid ${process.pid} \\(`))
    expect(await isPortFree(otherPort)).toBe(true)
    expect((await cli(['logs', 'first'], dir)).stdout).toBe('')
  })

  it('two starts at once: one runs, the other refuses naming the running session', async () => {
    const port = await freePort()
    const dir = project(simpleConfig('nac-twice', `  app:\n    command: node server.js\n    port: ${port}\n`), {
      'server.js': SERVER_JS,
    })
    const [a, b] = await Promise.all([cli(['start', '--detach'], dir), cli(['start', '--detach'], dir)])
    const codes = [a.exitCode, b.exitCode].sort()
    expect(codes, `${a.all}\n---\n${b.all}`).toEqual([0, 1])
    const loser = a.exitCode === 1 ? a : b
    expect(loser.stderr).toMatch(/already running \(supervisor pid \d+|another naaccord start is starting this project/)
    const third = await cli(['start', '--detach'], dir)
    expect(third.exitCode).toBe(1)
    expect(third.stderr).toMatch(/a session of this project is already running \(supervisor pid \d+.*naaccord stop/)
  })

  it.each([
    [
      'a command that does not exist',
      '    command: no-such-program-xyz\n',
      /app: servers\.app\.command: `no-such-program-xyz` was not found on PATH/,
    ],
    [
      'a working directory that does not exist',
      '    command: node server.js\n    cwd: nowhere\n',
      /app: servers\.app\.cwd: no such folder .*nowhere/,
    ],
    [
      'a malformed probe URL',
      '    command: node server.js\n    ready:\n      http: {url: "htp//{host}:{port}/health"}\n',
      /app: servers\.app\.ready\.http\.url: not an http\(s\) URL: "htp\/\/127\.0\.0\.1:\d+\/health"/,
    ],
  ])('bad input, %s: a one-line error naming the server and field', async (_what, body, pattern) => {
    const port = await freePort()
    const dir = project(simpleConfig('nac-bad', `  app:\n${body}    port: ${port}\n`), {'server.js': SERVER_JS})
    const started = await cli(['start', '--no-dashboard'], dir)
    expect(started.exitCode).toBe(1)
    expect(started.stderr.trim().split('\n')).toHaveLength(1)
    expect(started.stderr).toMatch(pattern)
  })
})
