/** The shipped configs validate, and the depot template says what the wire contract asks of each role. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan, type Plan, type PlannedServer} from '../../src/config/plan.js'
import {startSession} from '../../src/session/session.js'
import {freePort, repoRoot, tempDir, tempProject} from '../helpers/index.js'
import {loadText} from './helpers.js'

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8')

describe('shipped configs validate with an empty environment', () => {
  for (const file of ['naaccord.config.yaml', 'templates/builtin.config.yaml', 'templates/depot.config.yaml']) {
    it(file, () => {
      const loaded = loadText(read(file))
      expect(loaded.config.project).toBe('naaccord-depot')
      expect(Object.values(loaded.config.servers).map((s) => s.role)).toEqual(
        expect.arrayContaining(['web', 'services']),
      )
    })
  }
})

describe('the depot template', () => {
  const plan: Plan = buildPlan(loadText(read('templates/depot.config.yaml')), {profiles: []})
  const server = (name: string) => plan.units.find((u) => u.name === name) as PlannedServer
  const services = server('services')
  const web = server('web')

  it('runs both roles as runserver on 0.0.0.0 from the project virtualenv, in the repo root', () => {
    for (const s of [services, web]) {
      expect(s.command).toBe(path.join(plan.root, '.venv/bin/python'))
      expect(s.cwd).toBe(plan.root)
      expect(s.args).toEqual(['manage.py', 'runserver', `0.0.0.0:${s.port}`])
    }
    expect(services.port).toBe(8001)
    expect(web.port).toBe(8000)
  })

  it("gives both roles the contract's env", () => {
    for (const s of [services, web]) {
      expect(s.env).toMatchObject({
        DJANGO_SETTINGS_MODULE: 'depot.settings',
        DEBUG: 'True',
        PYTHONUNBUFFERED: '1',
        DB_HOST: '127.0.0.1',
        DB_PORT: '3306',
        DB_NAME: 'naaccord',
        DB_USER: 'naaccord',
        CELERY_BROKER_URL: 'redis://127.0.0.1:6379/0',
        SERVER_ROLE: s.role,
        INTERNAL_API_KEY: plan.apiKey.value,
      })
      expect(s.env.DB_PASSWORD).toBeTruthy()
    }
    for (const name of ['NAS_UPLOADS_PATH', 'NAS_REPORTS_PATH', 'NAS_WORKSPACE_PATH']) {
      expect(services.env[name], name).toBeTruthy()
      expect(services.env[name]).not.toMatch(/^\/mnt\/nas/)
      expect(web.env[name], name).toBeUndefined()
    }
    expect(web.env.SERVICES_URL).toBe('http://127.0.0.1:8001')
    expect(web.env.SERVICES_SERVER_URL).toBe('http://127.0.0.1:8001')
  })

  it("points web's FILE_UPLOAD_TEMP_DIR at a folder it watches", () => {
    expect(web.env.FILE_UPLOAD_TEMP_DIR).toBeTruthy()
    expect(web.watch).toContain(path.resolve(web.cwd, web.env.FILE_UPLOAD_TEMP_DIR))
    expect(services.env.FILE_UPLOAD_TEMP_DIR).toBeUndefined()
  })

  it('uses the database password the MariaDB container is given', () => {
    const mariadb = plan.units.find((u) => u.name === 'mariadb')
    expect(mariadb?.kind === 'dependency' && mariadb.env.MYSQL_PASSWORD).toBe(services.env.DB_PASSWORD)
    expect(mariadb?.kind === 'dependency' && mariadb.env).toMatchObject({
      MYSQL_DATABASE: 'naaccord',
      MYSQL_USER: 'naaccord',
    })
  })

  it('is ready when health answers with the key and test_passed: true', () => {
    for (const s of [services, web]) {
      expect(s.ready?.http).toMatchObject({
        url: `http://127.0.0.1:${s.port}/internal/storage/health`,
        headers: {'X-API-Key': plan.apiKey.value},
        json: {test_passed: true},
      })
    }
  })

  it("depends and starts in the contract's order", () => {
    expect(services.dependsOn).toEqual({mariadb: 'healthy', redis: 'ready'})
    expect(web.dependsOn).toEqual({services: 'ready'})
    const order = plan.units.map((u) => u.name)
    const startsBefore = (a: string, b: string) =>
      expect(order.indexOf(a), `${a} before ${b}`).toBeLessThan(order.indexOf(b))
    startsBefore('mariadb', 'services')
    startsBefore('redis', 'services')
    startsBefore('services', 'web')
    for (const later of ['celery', 'flower', 'assets']) startsBefore('web', later)
  })

  it('runs celery from the virtualenv and the assets with npm run dev on 3000', () => {
    const celery = server('celery')
    expect(celery.command).toBe(path.join(plan.root, '.venv/bin/celery'))
    expect(celery.args).toEqual(['-A', 'depot', 'worker', '-l', 'info'])
    const assets = server('assets')
    expect([assets.command, ...assets.args]).toEqual(['npm', 'run', 'dev'])
    expect(assets.port).toBe(3000)
  })

  it("has the seed's Docker dependencies with their readiness", () => {
    const deps = Object.fromEntries(plan.units.filter((u) => u.kind === 'dependency').map((u) => [u.name, u]))
    expect(Object.keys(deps).sort()).toEqual(['flower', 'mariadb', 'minio', 'redis'])
    const cfg = (name: string) => (deps[name].kind === 'dependency' ? deps[name] : undefined)
    expect(cfg('mariadb')?.image).toBe('mariadb:11')
    expect(cfg('mariadb')?.healthcheck?.test).toContain('healthcheck.sh')
    expect(cfg('redis')?.image).toBe('redis:7-alpine')
    expect(cfg('redis')?.ready?.exec?.command).toEqual(['redis-cli', 'ping'])
    expect(cfg('minio')?.ready?.http?.url).toBe('http://127.0.0.1:9000/minio/health/live')
    expect(cfg('flower')?.ports).toContainEqual(expect.objectContaining({hostPort: '5555', containerPort: 5555}))
  })

  it('takes ports and the key from the environment', () => {
    const loaded = loadText(read('templates/depot.config.yaml'), {
      env: {NAACCORD_WEB_PORT: '9000', NAACCORD_SERVICES_PORT: '9001', INTERNAL_API_KEY: 'env-key-0123456789'},
    })
    const p = buildPlan(loaded, {profiles: []})
    const w = p.units.find((u) => u.name === 'web') as PlannedServer
    expect(w.env.SERVICES_URL).toBe('http://127.0.0.1:9001')
    expect(w.args).toEqual(['manage.py', 'runserver', '0.0.0.0:9000'])
    expect(w.env.INTERNAL_API_KEY).toBe('env-key-0123456789')
  })
})

describe('the depot template, Flower', () => {
  it('reaches the Redis broker by its dependency name, as in compose, overridable by FLOWER_BROKER_URL', () => {
    const command = (env: Record<string, string>) => {
      const flower = buildPlan(loadText(read('templates/depot.config.yaml'), {env}), {profiles: []}).units.find(
        (u) => u.name === 'flower',
      )
      return flower?.kind === 'dependency' ? flower.command : undefined
    }
    expect(command({})).toEqual(['celery', '--broker=redis://redis:6379/0', 'flower', '--port=5555'])
    expect(command({FLOWER_BROKER_URL: 'redis://10.0.0.5:6379/0'})).toContain('--broker=redis://10.0.0.5:6379/0')
  })
})

describe('the depot template, as shipped', () => {
  it('gives the roles every path-valued variable absolute and inside the project (stand-in servers report their env)', async () => {
    // The template in a project of its own, its web and services run (without their dependencies) as stand-ins
    // that write the environment they were given to a file: what the depot would see, through a real session.
    const project = tempProject(read('templates/depot.config.yaml'))
    const state = tempDir()
    try {
      const loaded = loadConfig({cwd: project.dir, env: {}, noLocal: true})
      const ports = {services: await freePort(), web: await freePort()}
      const plan = buildPlan(loaded, {only: ['services', 'web'], noDeps: true, profiles: [], ports})
      const out = (name: string) => path.join(state.dir, `${name}.env.json`)
      const standIn = (u: PlannedServer): PlannedServer => ({
        ...u,
        command: process.execPath,
        args: [
          '-e',
          `require('fs').writeFileSync(${JSON.stringify(out(u.name))}, JSON.stringify(process.env)); console.log('env written'); setInterval(() => {}, 1000)`,
        ],
        ready: {log: {pattern: 'env written', stream: 'any'}, interval: 50, timeout: 1000, retries: 0, startPeriod: 0},
        restart: {...u.restart, policy: 'no'},
      })
      const units = plan.units.map((u) => (u.kind === 'server' ? standIn(u) : u))
      expect(units.map((u) => u.name)).toEqual(['services', 'web'])
      const session = await startSession({...plan, units, stateDir: path.join(state.dir, 'session')})
      try {
        await session.ready
      } finally {
        await session.stop()
      }
      const isPathVar = (name: string) => /^NAS_\w+_PATH$|_(DIR|PATH|ROOT)$/.test(name) && name !== 'PATH'
      const root = project.dir
      for (const name of ['services', 'web']) {
        const env = JSON.parse(readFileSync(out(name), 'utf8')) as Record<string, string>
        // Only what the config gives them (the inherited environment is the developer's, not the template's).
        const planned = plan.units.find((u) => u.name === name) as PlannedServer
        const paths = Object.keys(planned.env).filter(isPathVar)
        expect(paths.length, name).toBeGreaterThan(0)
        for (const v of paths) {
          expect(path.isAbsolute(env[v]), `${name} ${v}=${env[v]}`).toBe(true)
          expect(env[v].startsWith(`${root}${path.sep}`), `${name} ${v}=${env[v]} inside ${root}`).toBe(true)
          expect(env[v], `${name} ${v}`).not.toContain('{')
        }
        if (name === 'services')
          expect(paths).toEqual(expect.arrayContaining(['NAS_UPLOADS_PATH', 'NAS_REPORTS_PATH', 'NAS_WORKSPACE_PATH']))
        if (name === 'web') expect(paths).toContain('FILE_UPLOAD_TEMP_DIR')
      }
    } finally {
      state.cleanup()
      project.cleanup()
    }
  })
})
