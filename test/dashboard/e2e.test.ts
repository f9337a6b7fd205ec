/**
 * The dashboard on a real session: `naaccord start --detach` runs the built-in web and services servers on free
 * ports, `naaccord dashboard` attaches in a real terminal (tmux), and the test reads what a person would see.
 */
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {builtinConfig, cliBin, freePort, runCli, tempProject} from '../helpers/index.js'
import {Tmux} from './tmux.js'

const tmux = new Tmux(160, 45)
let project: {dir: string; cleanup: () => void}
let config: string
let webPort: number
let n = 0

async function open(): Promise<string> {
  const name = `e${++n}`
  tmux.start(name, `${process.execPath} ${cliBin} dashboard -c ${config}`, project.dir, {
    NAACCORD_SELF_BIN: process.env.NAACCORD_SELF_BIN ?? '',
  })
  await tmux.waitFor(name, (s) => /services\s+services\s+ready/.test(s) && /web\s+web\s+ready/.test(s), 20_000)
  return name
}

beforeAll(async () => {
  webPort = await freePort()
  const servicesPort = await freePort()
  project = tempProject(builtinConfig({webPort, servicesPort, project: 'nac-dash-e2e'}))
  config = path.join(project.dir, 'naaccord.config.yaml')
  const started = await runCli(['start', '--detach', '-c', config], {cwd: project.dir})
  if (started.exitCode !== 0) throw new Error(`start --detach failed:\n${started.all}`)
})

afterAll(async () => {
  tmux.kill()
  if (project) {
    await runCli(['stop', '-c', config], {cwd: project.dir})
    project.cleanup()
  }
})

describe('dashboard on a real session (start --detach, built-in servers)', () => {
  it('lists both servers ready with pid, port and time to ready', async () => {
    const name = await open()
    const screen = tmux.capture(name)
    expect(screen).toMatch(new RegExp(`web\\s+web\\s+ready\\s+\\d+\\s+${webPort}\\s+\\d`))
    tmux.keys(name, 'd')
    await tmux.waitFor(name, (s) => s.includes('[exit 0]'))
  })

  it('shows the log line of an upload, and a restart changes the restart count', async () => {
    const name = await open()
    tmux.keys(name, 'j')
    tmux.keys(name, 'j')
    await tmux.waitFor(name, (s) => s.includes('logs: web'))
    const form = new FormData()
    form.append('file', new Blob([Buffer.alloc(1024, 'a')]), 'dash-e2e.bin')
    const res = await fetch(`http://127.0.0.1:${webPort}/upload`, {method: 'POST', body: form})
    expect(res.status).toBe(200)
    await tmux.waitFor(name, (s) => /POST \/upload/.test(s))

    tmux.keys(name, 'r')
    const screen = await tmux.waitFor(name, (s) => /web\s+web\s+ready\s+\d+\s+\d+\s+\S+\s+1\s/.test(s), 20_000)
    expect(screen).toMatch(/services\s+services\s+ready\s+\d+\s+\d+\s+\S+\s+0\s/)
    tmux.keys(name, 'd')
    await tmux.waitFor(name, (s) => s.includes('[exit 0]'))
  })

  it('detaching leaves the session running', async () => {
    const name = await open()
    tmux.keys(name, 'd')
    const screen = await tmux.waitFor(name, (s) => s.includes('[exit 0]'))
    expect(screen).toContain('the session keeps running')
    const status = await runCli(['status', '--json', '-c', config], {cwd: project.dir})
    expect(status.exitCode).toBe(0)
    expect(status.stdout).toContain('"ready"')
  })
})
