import type {ChildProcess} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {builtinConfig, freePort, runCli, tempProject} from '../helpers/index.js'
import {kill, listener} from './helpers.js'

describe('naaccord doctor (CLI)', () => {
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
    const p = tempProject(builtinConfig({webPort, servicesPort: await freePort()}))
    cleanups.push(p.cleanup)
    for (const s of ['uploads', 'processed', 'temp'])
      mkdirSync(path.join(p.dir, 'storage/workspace', s), {recursive: true})
    return {dir: p.dir, webPort}
  }
  const env = {NO_COLOR: '1', PATH: process.env.PATH, HOME: process.env.HOME}

  it('exits 0 with one line per check and the summary, without colour codes off a TTY', async () => {
    const p = await project()
    const r = await runCli(['doctor'], {cwd: p.dir, env, extendEnv: false})
    expect(r.exitCode).toBe(0)
    const lines = String(r.stdout).split('\n')
    expect(lines[0]).toMatch(/^✓ Node v\d+/)
    expect(lines.at(-1)).toMatch(/^\d+ checks: \d+ ok, 0 warnings, 0 errors, \d+ skipped$/)
    expect(String(r.all)).not.toContain('\u001b[')
  })

  it('exits 1 on an error, with the fix under it; --json gives id, status, message and fix per check', async () => {
    const p = await project()
    const holder = await listener(p.webPort)
    children.push(holder)
    const human = await runCli(['doctor'], {cwd: p.dir, env, extendEnv: false})
    expect(human.exitCode).toBe(1)
    expect(String(human.stdout)).toContain(
      `✗ web: port ${p.webPort} is in use by another program\n    pid ${holder.pid}: `,
    )
    expect(String(human.stdout)).toContain(`    fix: kill ${holder.pid}`)
    expect(String(human.stdout)).toMatch(/\n\d+ checks: \d+ ok, 0 warnings, 1 error, \d+ skipped$/)

    const json = await runCli(['doctor', '--json'], {cwd: p.dir, env, extendEnv: false})
    expect(json.exitCode).toBe(1)
    const out = JSON.parse(String(json.stdout))
    expect(out.ok).toBe(false)
    expect(out.summary.errors).toBe(1)
    expect(out.checks.find((c: {subject?: string}) => c.subject === `web:${p.webPort}`)).toMatchObject({
      id: 'ports',
      status: 'error',
      fix: `kill ${holder.pid}`,
    })
    for (const c of out.checks)
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'status', 'message', 'fix']))
  })

  it('documents the exit code and --fix in --help', async () => {
    const r = await runCli(['doctor', '--help'], {env, extendEnv: false})
    expect(r.exitCode).toBe(0)
    expect(String(r.stdout)).toContain('Exit code: 0 with no errors (warnings allowed), 1 with at least one error.')
    expect(String(r.stdout)).toContain('--fix')
  })
})
