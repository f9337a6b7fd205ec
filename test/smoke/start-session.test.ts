/**
 * `test-streaming --start` runs a real session: a server the pair depends on starts first and is waited for with
 * its configured probe, and afterwards nothing is left (no process, no port, no state folder in the project or
 * the temp dir) — when the checks pass, when one fails, and when the run is interrupted with SIGINT.
 */
import {mkdirSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {afterEach, describe, expect, it} from 'vitest'
import {isPortFree} from '../../src/util/ports.js'
import {cliBin, tempDir, tempProject} from '../helpers/index.js'

const KEY = 'test-key-0123456789abcdef'
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

/**
 * services refuses to start unless the gate's file exists; the gate writes it only after a while and says so
 * on stdout, which is its configured (log) probe. Run from the plan's order alone, services would start too early.
 */
function gatedConfig(marker: string, gateFile: string): string {
  const node = JSON.stringify(process.execPath)
  const gate = `setTimeout(() => { require('fs').writeFileSync(${JSON.stringify(gateFile)}, ''); console.log('gate open') }, 700); setInterval(() => {}, 1000) // ${marker}`
  const services = `if (!require('fs').existsSync(${JSON.stringify(gateFile)})) { console.error('gate closed'); process.exit(3) } import(${JSON.stringify(cliBin)})`
  return `project: nac-gated
apiKey: ${KEY}
storage: storage/workspace
servers:
  gate:
    command: [${node}, -e, ${JSON.stringify(gate)}]
    ready: {log: {pattern: "gate open"}}
  services:
    role: services
    command: [${node}, -e, ${JSON.stringify(services)}, run.js, serve, services, --port, "{port}", --storage, "{storage}"]
    port: 1
    dependsOn: {gate: ready}
  web:
    role: web
    command: naaccord
    args: [serve, web, --port, "{port}"]
    port: 2
    dependsOn: {services: ready}
    env: {FILE_UPLOAD_TEMP_DIR: storage/web-tmp}
    watch: [storage/web-tmp]
`
}

function processesWith(text: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)
      } catch {
        return false
      }
    })
}

describe('test-streaming --start runs a real session', () => {
  let marker: string
  let project: {dir: string}
  let tmp: string
  let gateFile: string
  const setup = () => {
    marker = `nac-gate-${process.pid}-${Date.now()}`
    const scratch = tempDir()
    cleanups.push(scratch.cleanup)
    gateFile = path.join(scratch.dir, 'gate-open')
    // The session's throw-away state folder goes to the temp dir: give the run its own, to see it emptied.
    tmp = path.join(scratch.dir, 'tmp')
    mkdirSync(tmp)
    const p = tempProject(gatedConfig(marker, gateFile))
    cleanups.push(p.cleanup)
    project = p
  }
  const run = (args: string[]) =>
    execa(process.execPath, [cliBin, 'test-streaming', '--start', ...args], {
      cwd: project.dir,
      reject: false,
      all: true,
      env: {NO_COLOR: '1', TMPDIR: tmp, INTERNAL_API_KEY: undefined},
    })
  /** Nothing of the run is left: no process, no port, no state folder in the project or the temp dir. */
  const expectNothingLeft = async (ports: number[]) => {
    expect(processesWith(marker)).toEqual([])
    expect(processesWith(project.dir)).toEqual([])
    for (const port of ports) expect(await isPortFree(port), `port ${port}`).toBe(true)
    expect(readdirSync(project.dir)).toEqual(['naaccord.config.yaml'])
    expect(readdirSync(tmp)).toEqual([])
  }

  it('waits for the configured probe of what the pair depends on, passes, and leaves nothing', async () => {
    setup()
    const res = await run(['--only', 'services-health', '--only', 'web-health', '--json'])
    expect(res.exitCode, String(res.all)).toBe(0)
    const json = JSON.parse(String(res.stdout))
    expect(json).toMatchObject({ok: true, summary: {failed: 0, passed: 2}, targets: {from: 'started', key: 'test…'}})
    await expectNothingLeft([json.targets.web, json.targets.services].map((u: string) => Number(new URL(u).port)))
  })

  it('a failing check: exit 1, and nothing is left', async () => {
    setup()
    const res = await run(['--only', 'services-health', '--api-key', 'wrong-key-for-this-pair-000', '--json'])
    expect(res.exitCode, String(res.all)).toBe(1)
    const json = JSON.parse(String(res.stdout))
    expect(json.results[0]).toMatchObject({name: 'services-health', status: 'fail'})
    await expectNothingLeft([json.targets.web, json.targets.services].map((u: string) => Number(new URL(u).port)))
  })

  it('SIGINT during the checks: exit 130, and nothing is left', async () => {
    setup()
    const child = run(['--only', 'services-health', '--only', 'chunked', '--only', 'large-upload', '--size', '2GiB'])
    let out = ''
    const ports: number[] = []
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      for (const m of out.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)) ports.push(Number(m[1]))
      if (out.includes('PASS chunked') && !child.killed) child.kill('SIGINT')
    })
    const res = await child
    expect(res.exitCode, String(res.all)).toBe(130)
    expect(out).toMatch(/PASS services-health/)
    expect(new Set(ports).size).toBe(2)
    await expectNothingLeft([...new Set(ports)])
  })
})
