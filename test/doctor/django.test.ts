import {chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {repoRoot, tempProject} from '../helpers/index.js'
import {doctor, one} from './helpers.js'

/** The real depot template, as `naaccord init --template depot` writes it. */
const DEPOT = readFileSync(path.join(repoRoot, 'templates', 'depot.config.yaml'), 'utf8')

function fakeVenv(dir: string, programs: string[]): void {
  mkdirSync(path.join(dir, '.venv', 'bin'), {recursive: true})
  writeFileSync(path.join(dir, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\n')
  for (const p of programs) {
    const file = path.join(dir, '.venv', 'bin', p)
    writeFileSync(file, '#!/bin/sh\nexit 0\n')
    chmodSync(file, 0o755)
  }
}

describe('doctor: Django and virtualenv (depot template)', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })
  function project(files: Record<string, string> = {}) {
    const p = tempProject(DEPOT, files)
    cleanups.push(p.cleanup)
    return p.dir
  }

  it('reports a missing virtualenv once, with the command that creates it, and a missing manage.py', async () => {
    const dir = project()
    const report = await doctor(dir)
    const venv = one(report, 'django', `venv:${path.join(dir, '.venv')}`)
    expect(venv.status).toBe('error')
    expect(venv.message).toBe(
      `the virtualenv ${path.join(dir, '.venv')} is missing (services, web, celery run from it)`,
    )
    expect(venv.fix).toBe(`cd ${dir} && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt`)
    const manage = one(report, 'django', `manage.py:${dir}`)
    expect(manage.status).toBe('error')
    expect(manage.message).toBe(`manage.py is not in ${dir} (services, web run it)`)
    // The generic command check leaves virtualenv commands to this one; npm is on PATH.
    expect(report.results.filter((r) => r.id === 'commands').map((r) => r.subject)).toEqual(['assets'])
  })

  it('is satisfied by a virtualenv with python and celery and manage.py in place', async () => {
    const dir = project({'manage.py': '# django\n'})
    fakeVenv(dir, ['python', 'celery'])
    const report = await doctor(dir)
    expect(one(report, 'django', `venv:${path.join(dir, '.venv')}`).status).toBe('ok')
    expect(one(report, 'django', `manage.py:${dir}`).status).toBe('ok')
    expect(one(report, 'commands', 'web').status).toBe('ok')
  })

  it('names a program missing from an existing virtualenv, with pip to install it', async () => {
    const dir = project({'manage.py': '# django\n'})
    fakeVenv(dir, ['python'])
    const r = one(await doctor(dir), 'django', 'celery')
    expect(r.status).toBe('error')
    expect(r.message).toBe(`celery: celery is not installed in the virtualenv ${path.join(dir, '.venv')}`)
    expect(r.fix).toBe(`${path.join(dir, '.venv', 'bin', 'pip')} install -r requirements.txt`)
    rmSync(path.join(dir, '.venv', 'bin', 'python'))
    expect((await doctor(dir)).results.find((x) => x.id === 'django')?.message).toContain('is missing')
  })

  it('reports a command missing from PATH and a working directory that does not exist', async () => {
    const p = tempProject(`project: cmds
servers:
  celery: {command: celery-that-is-not-installed -A depot worker}
  assets: {command: npm run dev, cwd: frontend}
`)
    cleanups.push(p.cleanup)
    const report = await doctor(p.dir)
    expect(one(report, 'commands', 'celery').message).toBe(
      'celery: command "celery-that-is-not-installed" not found on PATH',
    )
    expect(one(report, 'commands', 'assets').message).toBe(
      `assets: working directory ${path.join(p.dir, 'frontend')} does not exist`,
    )
  })
})
