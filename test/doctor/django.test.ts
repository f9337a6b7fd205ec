import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {freePort, tempProject} from '../helpers/index.js'
import {doctor, one} from './helpers.js'

/** The depot template's shape: services and web as runserver from the project's virtualenv. */
async function depotConfig(): Promise<string> {
  return `project: depot
apiKey: a-long-enough-shared-key
servers:
  services:
    role: services
    command: .venv/bin/python
    args: [manage.py, runserver, "0.0.0.0:{port}"]
    port: ${await freePort()}
  web:
    role: web
    command: .venv/bin/python
    args: [manage.py, runserver, "0.0.0.0:{port}"]
    port: ${await freePort()}
`
}

describe('doctor: Django servers', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })

  it('reports a missing virtualenv with the command that creates it, and a missing manage.py', async () => {
    const p = tempProject(await depotConfig())
    cleanups.push(p.cleanup)
    const report = await doctor(p.dir)
    const venv = one(report, 'django', 'web:venv')
    expect(venv.status).toBe('error')
    expect(venv.message).toBe(`web: the virtualenv's python ${path.join(p.dir, '.venv/bin/python')} is missing`)
    expect(venv.fix).toBe(`cd ${p.dir} && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt`)
    expect(one(report, 'commands', 'web').status).toBe('error')
    expect(one(report, 'django', 'services:manage.py').message).toBe(`services: manage.py is not in ${p.dir}`)
  })

  it('is satisfied by a virtualenv python and manage.py in place', async () => {
    const p = tempProject(await depotConfig(), {'manage.py': '# django\n'})
    cleanups.push(p.cleanup)
    mkdirSync(path.join(p.dir, '.venv', 'bin'), {recursive: true})
    writeFileSync(path.join(p.dir, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\n')
    const python = path.join(p.dir, '.venv', 'bin', 'python')
    writeFileSync(python, '#!/bin/sh\nexit 0\n')
    chmodSync(python, 0o755)
    const report = await doctor(p.dir)
    expect(one(report, 'django', 'web').status).toBe('ok')
    expect(one(report, 'django', 'services').status).toBe('ok')
    expect(one(report, 'commands', 'web').status).toBe('ok')
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
