/**
 * Nothing orphaned, nothing leaked, every bad input answered (issue #14): the session through the built CLI after
 * kill -9 of its supervisor, with corrupt session files, under umask 000, and with a grandchild that left its
 * process group. Each test checks /proc and the ports afterwards, not only what the CLI said.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {afterEach, describe, expect, it} from 'vitest'
import {markedProcesses, sessionMarker} from '../../src/util/group-stop.js'
import {isPortFree} from '../../src/util/ports.js'
import {cliBin, freePort, tempProject} from '../helpers/index.js'
import {cli, isAlive, SERVER_JS, simpleConfig, waitFor} from './fixtures.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function project(yaml: string, files: Record<string, string> = {}) {
  const t = tempProject(yaml, files)
  cleanups.push(async () => {
    await cli(['stop', '--timeout', '500ms'], t.dir)
    for (const p of markedProcesses(sessionMarker(path.join(t.dir, '.naaccord')))) {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {}
    }
    t.cleanup()
  })
  return t.dir
}

const stateDir = (dir: string) => path.join(dir, '.naaccord')
const supervisorPid = (dir: string) => JSON.parse(readFileSync(path.join(stateDir(dir), 'session.lock'), 'utf8')).pid
const marked = (dir: string) => markedProcesses(sessionMarker(stateDir(dir)))

/** Children of pid (from /proc), with their command name. */
function childrenOf(pid: number): {pid: number; comm: string}[] {
  const out: {pid: number; comm: string}[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[1]) === pid && fields[0] !== 'Z')
        out.push({pid: Number(entry), comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'))})
    } catch {}
  }
  return out
}

/** A server whose process exits 1 at its first launch and runs `sleep 60` from the second (restart: always). */
const RESPAWNER = `  sleeper:
    command: sh
    args: ["-c", "if [ -f once ]; then exec sleep 60; fi; touch once; exit 1"]
    restart: {policy: always, backoff: {initial: 10ms, max: 10ms}}
`

describe('hardening: orphans, session files, permissions', {timeout: 180_000}, () => {
  it('a unit respawned a moment before kill -9 of the supervisor is stopped by the next stop (3 rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = project(simpleConfig(`nac-respawn-${round}`, RESPAWNER))
      const started = await cli(['start', '--detach'], dir)
      expect(started.exitCode, started.all).toBe(0)
      const sup = supervisorPid(dir)
      // The moment the respawned `sleep 60` exists, the supervisor dies: its pid may not be in state.json yet.
      let sleeper: number | undefined
      await waitFor(() => {
        sleeper = childrenOf(sup).find((c) => c.comm === 'sleep')?.pid
        if (sleeper) process.kill(sup, 'SIGKILL')
        return sleeper !== undefined
      }, 20_000)
      expect(sleeper).toBeDefined()
      await waitFor(() => !isAlive(sup))
      const stopped = await cli(['stop'], dir)
      expect(stopped.exitCode, stopped.all).toBe(0)
      expect(isAlive(sleeper!)).toBe(false)
      expect(stopped.stdout).toContain('stopped orphaned sleeper')
      expect(marked(dir)).toEqual([])
    }
  })

  it.each([
    ['empty', ''],
    ['no units', '{"units": []}'],
    ['deleted', undefined],
  ])('with state.json %s and a dead supervisor, stop finds the orphans and frees the port', async (_name, text) => {
    const port = await freePort()
    const dir = project(simpleConfig('nac-corrupt', `  api:\n    command: node server.js\n    port: ${port}\n`), {
      'server.js': SERVER_JS,
    })
    expect((await cli(['start', '--detach'], dir)).exitCode).toBe(0)
    const recorded = JSON.parse(readFileSync(path.join(stateDir(dir), 'state.json'), 'utf8'))
    const server = [recorded.units[0].pid as number]
    expect(server.filter(isAlive)).toHaveLength(1)
    process.kill(supervisorPid(dir), 'SIGKILL')
    const file = path.join(stateDir(dir), 'state.json')
    if (text === undefined) {
      rmSync(file)
      rmSync(path.join(stateDir(dir), 'session.lock'))
    } else writeFileSync(file, text)
    const stopped = await cli(['stop'], dir)
    expect(server.filter(isAlive)).toEqual([])
    expect(await isPortFree(port)).toBe(true)
    expect(stopped.exitCode, stopped.all).toBe(0)
    expect(stopped.stdout).toContain('stopped orphaned api')
    expect(stopped.stdout).not.toContain('no session is running')
  })

  it.each([['{"units":"x"}'], ['{"units":[null]}'], ['[1,2]'], ['{"supervisorPid": -1, "units": []}'], ['not json']])(
    'a wrong-shaped state.json %s is set aside with a notice by status, stop and start; never a throw',
    async (text) => {
      const dir = project(simpleConfig('nac-shape', `  idle:\n    command: sleep\n    args: ["60"]\n`))
      mkdirSync(stateDir(dir), {recursive: true})
      for (const command of [['status'], ['stop'], ['start', '--detach']]) {
        writeFileSync(path.join(stateDir(dir), 'state.json'), text)
        const r = await cli(command, dir)
        expect(r.all).not.toMatch(/TypeError|Error:/)
        expect(r.stdout, command.join(' ')).toMatch(/set aside state\.json \(.+\) as state\.json\.bad-\d+/)
        if (command[0] === 'start') expect(r.exitCode, r.all).toBe(0)
      }
      expect(readdirSync(stateDir(dir)).filter((f) => f.startsWith('state.json.bad-')).length).toBeGreaterThan(0)
    },
  )

  it('a garbage session.lock left by a dead start is set aside; start then runs', async () => {
    const dir = project(simpleConfig('nac-badlock', `  idle:\n    command: sleep\n    args: ["60"]\n`))
    const lock = path.join(stateDir(dir), 'session.lock')
    await execa('mkdir', ['-p', stateDir(dir)])
    writeFileSync(lock, '{"pid": "garbage"')
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)
    const r = await cli(['start', '--detach'], dir)
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toMatch(/set aside session\.lock \(not JSON/)
  })

  it('under umask 000, the state folder is 0700 and the socket, lock, state and logs 0600', async () => {
    const dir = project(simpleConfig('nac-umask', `  idle:\n    command: sleep\n    args: ["60"]\n`))
    const r = await execa('sh', ['-c', `umask 000; exec "${process.execPath}" "${cliBin}" start --detach`], {
      cwd: dir,
      reject: false,
      all: true,
    })
    expect(r.exitCode, String(r.all)).toBe(0)
    const mode = (f: string) => (statSync(path.join(stateDir(dir), f)).mode & 0o777).toString(8)
    expect(mode('.')).toBe('700')
    expect(mode('logs')).toBe('700')
    expect({sock: mode('control.sock'), lock: mode('session.lock'), state: mode('state.json')}).toEqual({
      sock: '600',
      lock: '600',
      state: '600',
    })
    expect(mode('logs/idle.log')).toBe('600')
    expect(mode('logs/supervisor.log')).toBe('600')
  })

  it('an existing world-writable state folder is tightened to 0700 by start', async () => {
    const dir = project(simpleConfig('nac-umask2', `  idle:\n    command: sleep\n    args: ["60"]\n`))
    await execa('mkdir', ['-p', path.join(stateDir(dir), 'logs')])
    chmodSync(stateDir(dir), 0o777)
    chmodSync(path.join(stateDir(dir), 'logs'), 0o777)
    expect((await cli(['start', '--detach'], dir)).exitCode).toBe(0)
    expect(statSync(stateDir(dir)).mode & 0o777).toBe(0o700)
    expect(statSync(path.join(stateDir(dir), 'logs')).mode & 0o777).toBe(0o700)
  })

  it('a setsid grandchild that ignores SIGTERM and holds the port is killed by stop, which names it', async () => {
    const port = await freePort()
    const dir = project(
      simpleConfig('nac-setsid', `  api:\n    command: node escaper.js\n    port: ${port}\n    stop: {timeout: 1s}\n`),
      {'escaper.js': ESCAPER_JS},
    )
    const started = await cli(['start', '--detach'], dir)
    expect(started.exitCode, started.all).toBe(0)
    const grandchild = Number(readFileSync(path.join(dir, 'grandchild.pid'), 'utf8'))
    expect(isAlive(grandchild)).toBe(true)
    const stopped = await cli(['stop'], dir)
    expect(isAlive(grandchild)).toBe(false)
    expect(await isPortFree(port)).toBe(true)
    expect(stopped.exitCode, stopped.all).toBe(0)
    expect(stopped.stdout).toContain(`pid ${grandchild}`)
    expect(stopped.stdout).toContain('SIGKILL')
    expect(stopped.stdout).not.toContain('did not exit in time')
  })

  it('a restart: no unit that exited while its setsid grandchild holds the port: status names the holder', async () => {
    const port = await freePort()
    const dir = project(
      simpleConfig(
        'nac-held',
        `  api:\n    command: node escaper.js\n    args: [exit]\n    port: ${port}\n    ready: {tcp: {}}\n    stop: {timeout: 1s}\n`,
      ),
      {'escaper.js': ESCAPER_JS},
    )
    expect((await cli(['start', '--detach'], dir)).exitCode).toBe(0)
    const grandchild = Number(readFileSync(path.join(dir, 'grandchild.pid'), 'utf8'))
    let status = ''
    await waitFor(async () => {
      status = (await cli(['status'], dir)).stdout
      return status.includes('still held')
    })
    expect(status).toContain(`port ${port} is still held by pid ${grandchild}`)
  })

  it('temp files of a killed writer are removed by the next command', async () => {
    const dir = project(simpleConfig('nac-tmp', `  idle:\n    command: sleep\n    args: ["60"]\n`))
    await execa('mkdir', ['-p', stateDir(dir)])
    // pid 4194304 is above pid_max's ceiling: never a live writer.
    const temp = path.join(stateDir(dir), '.state.json.4194304.1700000000000.tmp')
    writeFileSync(temp, '{"half')
    const r = await cli(['status'], dir)
    expect(r.stdout).toContain('removed 1 half-written temp file')
    expect(existsSync(temp)).toBe(false)
  })
})

/** Forks a grandchild into its own session (setsid) that listens on PORT and ignores SIGTERM. With `exit`, the
 * server itself exits 0 once the grandchild listens. */
const ESCAPER_JS = `
const {spawn} = require('node:child_process')
const fs = require('node:fs')
const code = "const s = require('node:http').createServer((q, r) => r.end('ok')); process.on('SIGTERM', () => {}); s.listen(Number(process.env.PORT), '127.0.0.1', () => process.send ? 0 : console.log('grandchild listening'))"
const child = spawn(process.execPath, ['-e', code], {detached: true, stdio: 'inherit'})
fs.writeFileSync('grandchild.pid', String(child.pid))
child.unref()
if (process.argv[2] === 'exit') setTimeout(() => process.exit(0), 1500)
else setInterval(() => {}, 1000)
process.on('SIGTERM', () => process.exit(0))
`
