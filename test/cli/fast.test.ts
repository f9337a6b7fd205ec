/**
 * bin/run.js's fast path (src/cli/fast.ts) against the oclif path, end to end through the built CLI against a real
 * running session: `logs`, `restart` and foreground `start` print the same and exit the same either way (numbers
 * that differ from run to run, pids and milliseconds, are masked), and the fast runs never load oclif.
 */
import {readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cliBin, freePort, tempProject} from '../helpers/index.js'

const OCLIF_RUN = path.join(import.meta.dirname, 'oclif-run.mjs')
const PROBE = path.join(import.meta.dirname, 'oclif-probe.mjs')

/** Prints 40 numbered lines (some with a multi-byte character), then listens on PORT until SIGTERM. */
const APP_JS = `
for (let i = 0; i < 40; i++) console.log('app line ' + i + (i % 7 ? '' : ' ✓ é'))
const http = require('node:http')
const server = http.createServer((req, res) => res.end('ok'))
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
`

/** One run of argv through bin/run.js (`fast`) or oclif alone (`oclif`); `via` says which path really ran. */
async function run(how: 'fast' | 'oclif', argv: string[], cwd: string) {
  const probe = path.join(cwd, `probe-${Math.random().toString(36).slice(2)}.txt`)
  const r = await execa(process.execPath, ['--import', PROBE, how === 'fast' ? cliBin : OCLIF_RUN, ...argv], {
    cwd,
    reject: false,
    env: {NO_COLOR: '1', OCLIF_PROBE: probe},
  })
  const via = readFileSync(probe, 'utf8').trim()
  rmSync(probe)
  return {exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), via}
}

/** Pids, ms, ports and times vary between two runs: every number becomes N. */
// Numbers, and the padding that aligns them (the timeline pads "+9ms" and "+12ms" to one width).
const masked = (text: string) => text.replace(/\d+/g, 'N').replace(/(N\S*) {2,}/g, '$1 ')

async function both(argv: string[], cwd: string, mask = false) {
  const fast = await run('fast', argv, cwd)
  const oclif = await run('oclif', argv, cwd)
  expect(oclif.via).toBe('oclif')
  const show = (r: typeof fast) => {
    const {exitCode, stdout, stderr} = r
    return mask ? {exitCode, stdout: masked(stdout), stderr: masked(stderr)} : {exitCode, stdout, stderr}
  }
  expect(show(fast)).toEqual(show(oclif))
  return fast
}

describe('the fast path prints and exits as oclif does', {timeout: 180_000}, () => {
  let dir: string
  let cleanup: () => void
  beforeAll(async () => {
    const port = await freePort()
    const t = tempProject(
      `project: nac-fast\napiKey: test-key-0123456789abcdef\nservers:\n  app:\n    command: node app.js\n    port: ${port}\n  other:\n    command: node -e "console.log('other up'); setInterval(() => {}, 1e6)"\n`,
      {'app.js': APP_JS},
    )
    dir = t.dir
    cleanup = t.cleanup
    const started = await execa(process.execPath, [cliBin, 'start', '--detach'], {cwd: dir, reject: false, all: true})
    expect(started.exitCode, String(started.all)).toBe(0)
  })
  afterAll(async () => {
    await execa(process.execPath, [cliBin, 'stop', '--timeout', '500ms'], {cwd: dir, reject: false})
    cleanup()
  })

  it.each([
    [['logs']],
    [['logs', 'app', '--tail', '5']],
    [['logs', 'app', 'other', '-n', '3', '--json']],
    [['logs', '--since', '1h']],
    [['logs', '--since=2000-01-01T00:00:00Z', 'app']],
  ])('%j (taken by the fast path)', async (argv) => {
    const r = await both(argv, dir)
    expect(r.via).toBe('fast')
    expect(r.exitCode).toBe(0)
    expect(r.stdout).not.toBe('')
  })

  it.each([[['logs', 'nope']], [['logs', '--since', 'whenever']], [['logs', 'supervisor']]])(
    '%j (left to oclif: a unit not in the session, bad input, a file)',
    async (argv) => {
      const r = await both(argv, dir)
      expect(r.via).toBe('oclif')
    },
  )

  it('restart: waits until ready, --json, and an unknown unit (exit 1), alike', async () => {
    const ready = await both(['restart', 'app'], dir, true)
    expect(ready.via).toBe('fast')
    expect(ready.exitCode).toBe(0)
    expect(ready.stdout).toMatch(/^naaccord: app restarted \(pid \d+\), ready in \d+ms$/m)
    const json = await both(['restart', 'other', '--json'], dir, true)
    expect(json.via).toBe('fast')
    expect((JSON.parse(json.stdout) as {name: string}).name).toBe('other')
    const unknown = await both(['restart', 'nope'], dir)
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toMatch(/restart nope: no unit named nope/)
    // After the restarts the session still serves logs the same both ways.
    expect((await both(['logs', 'app', '-n', '2'], dir)).via).toBe('fast')
  })
})

describe('foreground start through the fast path', {timeout: 120_000}, () => {
  it('start --no-dashboard and --json print the same as oclif and exit alike', async () => {
    const t = tempProject(
      `project: nac-fastfg\nservers:\n  a:\n    command: node -e "console.log('a says ✓'); process.stdout.write('no newline')"\n  b:\n    command: node -e "console.error('b to stderr')"\n`,
    )
    try {
      for (const argv of [
        ['start', '--no-dashboard'],
        ['start', '--json'],
      ]) {
        const fast = await run('fast', argv, t.dir)
        const oclif = await run('oclif', argv, t.dir)
        expect([fast.via, oclif.via]).toEqual(['fast', 'oclif'])
        expect(fast.exitCode).toBe(oclif.exitCode)
        // Lines of different units interleave as their processes happen to run: compare each unit's lines.
        const lines = (text: string) => masked(text).split('\n').sort()
        expect(lines(fast.stdout)).toEqual(lines(oclif.stdout))
        expect(fast.stderr).toBe(oclif.stderr)
      }
    } finally {
      t.cleanup()
    }
  })
})
