import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {renderHuman, renderJson} from '../../src/doctor/render.js'
import {tempProject} from '../helpers/index.js'
import {byId, doctor, one} from './helpers.js'

/** Two role servers (no ports: these tests are about the environment, nothing listens). */
function config(opts: {apiKey?: string; webEnv?: string; servicesEnv?: string; extra?: string} = {}): string {
  return `project: keys
${opts.apiKey ? `apiKey: ${opts.apiKey}\n` : ''}servers:
  services:
    role: services
    command: naaccord
    args: [serve, services]
    port: 18001
    env: {${opts.servicesEnv ?? ''}}
  web:
    role: web
    command: naaccord
    args: [serve, web]
    env: {${opts.webEnv ?? ''}}
${opts.extra ?? ''}`
}

const WEB_KEY = 'web-only-key-0123456789'
const SERVICES_KEY = 'services-key-9876543210'

describe('doctor: internal API key', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })
  function project(yaml: string, files: Record<string, string> = {}) {
    const p = tempProject(yaml, files)
    cleanups.push(p.cleanup)
    return p.dir
  }

  it('accepts one shared key of 16+ characters', async () => {
    const r = byId(await doctor(project(config({apiKey: 'a-long-enough-shared-key'}))), 'api-key')
    expect(r.map((x) => x.status)).toEqual(['ok'])
    expect(r[0].message).toMatch(/^web and services share the key a-lo… \(24 chars, sha256 [0-9a-f]{8}\)$/)
  })

  it('finds mismatched keys, and never prints either whole', async () => {
    const dir = project(
      config({webEnv: `INTERNAL_API_KEY: ${WEB_KEY}`, servicesEnv: `INTERNAL_API_KEY: ${SERVICES_KEY}`}),
    )
    const report = await doctor(dir)
    const r = one(report, 'api-key', 'mismatch')
    expect(r.status).toBe('error')
    expect(r.message).toContain('different keys')
    expect(r.detail).toEqual([
      expect.stringMatching(/^services \(services\) gets serv… \(23 chars, sha256 \w+\) from config env$/),
      expect.stringMatching(/^web \(web\) gets web-… \(23 chars, sha256 \w+\) from config env$/),
    ])
    for (const out of [renderJson(report), renderHuman(report, {verbose: true})]) {
      expect(out).not.toContain(WEB_KEY)
      expect(out).not.toContain(SERVICES_KEY)
    }
  })

  it('reports a role that gets no key at all', async () => {
    const r = byId(await doctor(project(config())), 'api-key')
    expect(r.map((x) => [x.subject, x.status])).toEqual([
      ['services', 'error'],
      ['web', 'error'],
    ])
  })

  it('warns when a server sets its own key that apiKey silently overrides', async () => {
    const r = byId(
      await doctor(project(config({apiKey: 'a-long-enough-shared-key', webEnv: `INTERNAL_API_KEY: ${WEB_KEY}`}))),
      'api-key',
    )
    const w = r.find((x) => x.status === 'warn')
    expect(w?.message).toMatch(/^servers\.web\.env\.INTERNAL_API_KEY \(web-… .*\) is ignored: web receives apiKey$/)
    expect(w?.fix).toBe('remove servers.web.env.INTERNAL_API_KEY from the config')
    expect(r.some((x) => x.status === 'error')).toBe(false)
  })

  it('refuses a key shorter than 16 characters', async () => {
    const r = one(await doctor(project(config({apiKey: 'short-key'}))), 'api-key', 'length')
    expect(r.status).toBe('error')
    expect(r.message).toContain('shorter than 16')
  })

  it('refuses the dev default only when NAACCORD_ENV=production', async () => {
    const dir = project(config({apiKey: 'dev-streaming-key-123'}))
    expect(byId(await doctor(dir), 'api-key').map((x) => x.status)).toEqual(['ok'])
    const r = one(await doctor(dir, {env: {NAACCORD_ENV: 'production'}}), 'api-key', 'production')
    expect(r.status).toBe('error')
  })

  it('warns when INTERNAL_API_KEY in .env or the environment differs from the config', async () => {
    const dir = project(config({apiKey: 'a-long-enough-shared-key'}), {'.env': `INTERNAL_API_KEY=${WEB_KEY}\n`})
    const report = await doctor(dir, {env: {INTERNAL_API_KEY: SERVICES_KEY}})
    expect(one(report, 'api-key', '.env').status).toBe('warn')
    expect(one(report, 'api-key', 'the environment').status).toBe('warn')
    expect(renderJson(report)).not.toContain(WEB_KEY)
  })

  it('uses the key file when it exists, as the depot does', async () => {
    const dir = project(config({apiKey: '{file: key.txt}'}))
    // A missing key file and no value: nothing to give either role.
    expect(byId(await doctor(dir), 'api-key').map((x) => x.status)).toEqual(['error', 'error'])
    writeFileSync(path.join(dir, 'key.txt'), `${SERVICES_KEY}\n`)
    const r = byId(await doctor(dir), 'api-key')
    expect(r.map((x) => x.status)).toEqual(['ok'])
    expect(r[0].detail?.[0]).toContain(`from file ${path.join(dir, 'key.txt')}`)
  })
})

describe('doctor: role environment', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })

  it('checks SERVICES_URL against the services server and SERVER_ROLE for case', async () => {
    const p = tempProject(`project: roles
apiKey: a-long-enough-shared-key
servers:
  services:
    role: services
    command: naaccord
    port: 18001
  web:
    role: web
    command: naaccord
    port: 18000
    env: {SERVER_ROLE: Web}
  worker:
    command: naaccord
    env: {SERVER_ROLE: WEB}
`)
    cleanups.push(p.cleanup)
    const report = await doctor(p.dir)
    expect(one(report, 'role-env', 'web.SERVICES_URL').message).toBe(
      'web: SERVICES_URL=http://127.0.0.1:18001 points at services',
    )
    expect(one(report, 'role-env', 'web.SERVER_ROLE').status).toBe('warn')
    expect(one(report, 'role-env', 'services.SERVER_ROLE').status).toBe('ok')
    const worker = one(report, 'role-env', 'worker.SERVER_ROLE')
    expect(worker.status).toBe('error')
    expect(worker.fix).toBe('write SERVER_ROLE: web in the config')
  })
})
