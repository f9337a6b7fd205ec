import {mkdirSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {tempDir, tempProject} from '../helpers/index.js'
import {byId, doctor, one} from './helpers.js'

describe('doctor: config', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })

  it('reports every config issue with line and column, and skips what needs a config', async () => {
    const p = tempProject(`project: broken
servers:
  web:
    role: web
    command: naaccord
    port: 99999
    restrat: always
`)
    cleanups.push(p.cleanup)
    const report = await doctor(p.dir)
    const r = one(report, 'config')
    expect(r.status).toBe('error')
    const file = path.join(p.dir, 'naaccord.config.yaml')
    expect(r.detail).toEqual([
      `${file}:6:11 servers.web.port: expected a number from 1 to 65535, got 99999`,
      `${file}:7:5 servers.web.restrat: unknown key; did you mean "restart"?`,
    ])
    for (const id of ['ports', 'api-key', 'role-env', 'commands', 'storage', 'session'])
      expect(byId(report, id).map((x) => x.status)).toEqual(['skip'])
    expect(one(report, 'node').status).toBe('ok')
  })

  it('says to run naaccord init when there is no config', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    mkdirSync(path.join(t.dir, 'empty'))
    const r = one(await doctor(path.join(t.dir, 'empty')), 'config')
    expect(r.status).toBe('error')
    expect(r.fix).toBe('naaccord init')
  })
})
