/**
 * `naaccord test-streaming` end to end, as a child process: --start on a temp project (starts the built-in pair,
 * tests it, stops it, leaves nothing behind), explicit URLs with --verbose, exit codes, and Ctrl-C mid-run.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isPortFree} from '../../src/util/ports.js'
import {builtinConfig, cliBin, freePort, tempProject} from '../helpers/index.js'
import {cli} from './fixtures/cli.js'
import {type BuiltinPair, KEY, startBuiltinPair} from './fixtures/pair.js'

const lastLine = (text: string) => text.trim().split('\n').at(-1)

describe('naaccord test-streaming --start', () => {
  it('starts the pair on free ports, passes, writes JSON and JUnit, and leaves nothing behind', async () => {
    // The configured ports are taken: --start must not use them.
    const project = tempProject(builtinConfig({webPort: 1, servicesPort: 2}))
    try {
      const res = await cli(['test-streaming', '--start', '--json', '--junit', 'smoke.xml', '--size', '4MiB'], {
        cwd: project.dir,
      })
      expect(res.exitCode, res.all).toBe(0)
      const json = JSON.parse(res.stdout)
      expect(json).toMatchObject({ok: true, summary: {failed: 0, passed: 10, info: 1}, cleanup: {ok: true}})
      expect(json.targets.key).toBe('test…')
      expect(res.all).not.toContain('test-key-0123456789abcdef')
      expect(json.results.find((r: {name: string}) => r.name === 'web-stores-nothing').detail).toContain(
        path.join(project.dir, 'storage', 'web-tmp'),
      )
      const xml = readFileSync(path.join(project.dir, 'smoke.xml'), 'utf8')
      expect(xml.match(/<testcase /g)).toHaveLength(11)
      expect(xml).toContain('failures="0"')
      // Nothing left: no storage folders, no servers on the ports it used.
      expect(readdirSync(project.dir).sort()).toEqual(['naaccord.config.yaml', 'smoke.xml'])
      for (const url of [json.targets.web, json.targets.services])
        expect(await isPortFree(Number(new URL(url).port))).toBe(true)
    } finally {
      project.cleanup()
    }
  })

  it('a server that dies while starting: its last output is shown, nothing is left running (exit 2)', async () => {
    const project = tempProject(`project: nac-broken
apiKey: test-key-0123456789abcdef
servers:
  services:
    role: services
    command: ["${process.execPath}", "-e", "console.error('storage root is not writable'); process.exit(3)"]
    port: 1
  web:
    role: web
    command: naaccord
    args: [serve, web, --port, "{port}"]
    port: 2
    dependsOn: {services: ready}
`)
    try {
      const res = await cli(['test-streaming', '--start'], {cwd: project.dir})
      expect(res.exitCode).toBe(2)
      const message = res.stderr.replace(/\s*›\s*/g, ' ')
      expect(message).toMatch(
        /services did not become ready: exited with code 3 .*; its last output:\s+storage root is not writable/,
      )
      expect(readdirSync(project.dir)).toEqual(['naaccord.config.yaml'])
    } finally {
      project.cleanup()
    }
  })

  it('Ctrl-C while --start waits for a server: the server is stopped, exit 130', async () => {
    const marker = `nac-marker-${process.pid}-${Date.now()}`
    const project = tempProject(`project: nac-slow
apiKey: test-key-0123456789abcdef
servers:
  services:
    role: services
    command: ["${process.execPath}", "-e", "setInterval(() => {}, 1000) // ${marker}"]
    port: 1
  web:
    role: web
    command: naaccord
    args: [serve, web, --port, "{port}"]
    port: 2
    dependsOn: {services: ready}
`)
    const alive = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)
          } catch {
            return false
          }
        })
    try {
      const child = execa(process.execPath, [cliBin, 'test-streaming', '--start'], {cwd: project.dir, reject: false})
      const deadline = Date.now() + 20_000
      while (alive().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      expect(alive().length).toBe(1)
      child.kill('SIGINT')
      const res = await child
      expect(res.exitCode, String(res.stderr)).toBe(130)
      expect(alive()).toEqual([])
      expect(readdirSync(project.dir)).toEqual(['naaccord.config.yaml'])
    } finally {
      project.cleanup()
    }
  })

  it('output closed early (piped into head): cleans up like an interrupt, nothing left running or on disk', async () => {
    const project = tempProject(builtinConfig({webPort: 1, servicesPort: 2}))
    const servers = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(project.dir)
          } catch {
            return false
          }
        })
    try {
      const child = execa(process.execPath, [cliBin, 'test-streaming', '--start', '--verbose'], {
        cwd: project.dir,
        reject: false,
        stdout: 'ignore',
      })
      // Like `| head -3`: read a little of the verbose stream, then close it.
      await new Promise<void>((resolve) => {
        let seen = 0
        child.stderr?.on('data', (d: Buffer) => {
          seen += d.length
          if (seen > 2000) {
            child.stderr?.destroy()
            resolve()
          }
        })
      })
      const res = await child
      expect(res.exitCode).toBe(130)
      expect(servers()).toEqual([])
      expect(readdirSync(project.dir)).toEqual(['naaccord.config.yaml'])
    } finally {
      project.cleanup()
    }
  })

  it('without a running session and without --start, says what to do (exit 2)', async () => {
    const project = tempProject(builtinConfig({webPort: await freePort(), servicesPort: await freePort()}))
    try {
      const res = await cli(['test-streaming'], {cwd: project.dir})
      expect(res.exitCode).toBe(2)
      // oclif wraps long errors with " ›" continuation marks.
      const message = res.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
      expect(message).toMatch(/no session is running.*naaccord start.*--start.*--web-url and --services-url/)
    } finally {
      project.cleanup()
    }
  })
})

describe('naaccord test-streaming against named servers', () => {
  let pair: BuiltinPair
  beforeAll(async () => {
    pair = await startBuiltinPair()
  })
  afterAll(() => pair?.close())
  const urls = () => ['--web-url', pair.web.url, '--services-url', pair.services.url]

  it("by default tests the running session's servers, with its key and web's watched folders", async () => {
    // A session as the supervisor records it (state.json), held by a live process: this test's own.
    const project = tempProject(builtinConfig({webPort: 1, servicesPort: 2, key: KEY}))
    try {
      mkdirSync(path.join(project.dir, '.naaccord'))
      const unit = (name: string, role: 'web' | 'services', url: string) => ({
        name,
        kind: 'server',
        role,
        state: 'ready',
        url,
        port: Number(new URL(url).port),
        restarts: 0,
        logFile: path.join(project.dir, '.naaccord', 'logs', `${name}.log`),
      })
      const status = {
        version: 1,
        project: 'nac-test',
        configFile: path.join(project.dir, 'naaccord.config.yaml'),
        root: project.dir,
        supervisorPid: process.pid,
        startedAt: Date.now(),
        socketPath: path.join(project.dir, '.naaccord', 'control.sock'),
        watch: [pair.webTmp],
        state: 'running',
        units: [unit('services', 'services', pair.services.url), unit('web', 'web', pair.web.url)],
      }
      writeFileSync(path.join(project.dir, '.naaccord', 'state.json'), JSON.stringify(status))
      const res = await cli(['test-streaming', '--only', 'web-health', '--only', 'web-stores-nothing'], {
        cwd: project.dir,
      })
      expect(res.exitCode, res.all).toBe(0)
      expect(res.stdout).toContain("testing the running session's servers")
      expect(res.stdout).toContain(`web ${pair.web.url}  services ${pair.services.url}  key smok… (config)`)
      expect(res.stdout).toContain(`nothing created in ${pair.webTmp} during the run`)
      // --start with a session running tests that session instead of starting a second pair.
      const started = await cli(['test-streaming', '--start', '--only', 'web-health', '--json'], {cwd: project.dir})
      expect(started.exitCode, started.all).toBe(0)
      expect(JSON.parse(started.stdout).targets).toMatchObject({from: 'session', web: pair.web.url})
    } finally {
      project.cleanup()
    }
  })

  it('--verbose shows each exchange with the key masked; plain lines end with the summary', async () => {
    const res = await cli(
      ['test-streaming', ...urls(), '--api-key', KEY, '--only', 'services-health', '--only', 'auth', '--verbose'],
      {
        cwd: pair.dir,
      },
    )
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stderr).toContain(`→ services GET ${pair.services.url}/internal/storage/health [X-API-Key: smok…]`)
    expect(res.stderr).toMatch(/← services 200 in \d+ms \{"status":"healthy"/)
    expect(res.all).not.toContain(KEY)
    expect(res.stdout).toMatch(/^✓ PASS services-health \d+ms: healthy/m)
    expect(lastLine(res.stdout)).toBe('2 passed, 0 failed')
  })

  it('a failing required check exits 1 and shows expected and got', async () => {
    const res = await cli(['test-streaming', ...urls(), '--only', 'services-health'], {
      cwd: pair.dir,
      env: {NO_COLOR: '1', INTERNAL_API_KEY: 'wrong-key-for-this-pair-000'},
    })
    expect(res.exitCode).toBe(1)
    expect(res.stdout).toMatch(/✗ FAIL services-health/)
    expect(res.stdout).toContain('    expected: status 200')
    expect(res.stdout).toMatch(/ {4}got: {6}403/)
    expect(lastLine(res.stdout)).toBe('0 passed, 1 failed')
  })

  it('unknown check names and bad flags are refused with the fix', async () => {
    const res = await cli(['test-streaming', ...urls(), '--only', 'nope'], {cwd: pair.dir})
    expect(res.exitCode).toBe(2)
    expect(res.stderr).toMatch(/unknown check "nope" \(checks: services-health/)
    const junit = await cli(
      ['test-streaming', ...urls(), '--api-key', KEY, '--only', 'services-health', '--junit', 'no/such/dir/x.xml'],
      {cwd: pair.dir},
    )
    expect(junit.exitCode).toBe(2)
    expect(lastLine(junit.stdout)).toBe('1 passed, 0 failed')
    expect(junit.stderr).toContain('--junit no/such/dir/x.xml: cannot write it (ENOENT)')
    const noKey = await cli(['test-streaming', ...urls()], {cwd: pair.dir})
    expect(noKey.exitCode).toBe(2)
    expect(noKey.stderr).toContain('no API key: pass --api-key or --api-key-file, set INTERNAL_API_KEY')
    const size = await cli(['test-streaming', ...urls(), '--size', 'huge'], {cwd: pair.dir})
    expect(size.exitCode).toBe(2)
    expect(size.stderr).toContain('--size huge: expected a size such as 64MiB')
  })

  it('a configured prefix that could resolve to a disk root is refused before anything is sent', async () => {
    const project = tempProject(`${builtinConfig({webPort: 1, servicesPort: 2, key: KEY})}smoke:\n  prefix: ../\n`)
    try {
      const res = await cli(['test-streaming', ...urls(), '--verbose'], {cwd: project.dir})
      expect(res.exitCode).toBe(2)
      expect(res.stderr).toContain('smoke.prefix ".." could resolve to a disk root')
      expect(res.stderr).not.toContain('→')
    } finally {
      project.cleanup()
    }
  })

  it('Ctrl-C during the large upload stops the run, removes the prefix, exits 130', async () => {
    const child = execa(
      process.execPath,
      [
        cliBin,
        'test-streaming',
        ...urls(),
        '--api-key',
        KEY,
        '--size',
        '2GiB',
        '--only',
        'chunked',
        '--only',
        'large-upload',
      ],
      {
        cwd: pair.dir,
        reject: false,
        env: {NO_COLOR: '1'},
      },
    )
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      // chunked is done and its file is stored: the large upload is under way now.
      if (out.includes('PASS chunked')) setTimeout(() => child.kill('SIGINT'), 300)
    })
    const res = await child
    expect(res.exitCode, `${res.stdout}\n${res.stderr}`).toBe(130)
    expect(res.stderr).toContain('SIGINT: stopping the checks and removing the test files')
    expect(res.stdout).toMatch(/^cleanup: removed naaccord-smoke\/[^/]+\/ via services \([1-9]\d* file/m)
    expect(res.stdout).toMatch(/✗ FAIL large-upload \S+: interrupted/)
    const dir = path.join(pair.storageRoot, 'uploads', 'naaccord-smoke')
    const files = existsSync(dir)
      ? readdirSync(dir, {recursive: true, withFileTypes: true}).filter((e) => !e.isDirectory())
      : []
    expect(files).toEqual([])
  })
})
