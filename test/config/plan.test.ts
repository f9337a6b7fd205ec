/** config → plan: env composition, derived role vars, profiles, --only, placeholders, the key file. */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ConfigError} from '../../src/config/errors.js'
import {loadConfig} from '../../src/config/load.js'
import {
  activeProfiles,
  buildPlan,
  type Plan,
  type PlannedServer,
  type PlanOptions,
  splitCommand,
} from '../../src/config/plan.js'
import {runCli, tempProject} from '../helpers/index.js'
import {withProject} from './helpers.js'

/** Plans a config text in a throw-away project; fn sees the plan and the project folder. */
function planOf<T>(
  yaml: string,
  options: PlanOptions,
  fn: (plan: Plan, dir: string) => T,
  files: Record<string, string> = {},
): T {
  return withProject(yaml, files, (dir) =>
    fn(buildPlan(loadConfig({cwd: dir, env: {}}), {profiles: [], ...options}), dir),
  )
}

const server = (plan: Plan, name: string) => {
  const unit = plan.units.find((u) => u.name === name)
  if (unit?.kind !== 'server') throw new Error(`no server ${name} in the plan`)
  return unit as PlannedServer
}

const LAYERED = `project: p
apiKey: the-shared-key-0123
storage: data/store
env: {LAYER: common, COMMON_ONLY: c, PYTHONUNBUFFERED: "0"}
roles:
  services: {env: {LAYER: role-services, ROLE_ONLY: s}}
  web: {env: {LAYER: role-web, ROLE_ONLY: w}}
servers:
  services:
    role: services
    command: naaccord
    args: [serve, services, --host, "{host}", --port, "{port}", --storage, "{storage}"]
    host: 0.0.0.0
    port: 8101
    env: {LAYER: own-services, SERVER_ROLE: web, INTERNAL_API_KEY: copied-by-hand}
  web:
    role: web
    command: naaccord
    args: [serve, web, "--port={port}", "{url}", "{name}", "{apiKey}"]
    port: 8100
    dependsOn: {services: ready}
    env: {LAYER: own-web, SERVICES_URL: http://wrong:1}
    watch: [tmp/web]
    ready:
      http: {url: "{url}/internal/storage/health", headers: {X-API-Key: "{apiKey}"}, json: {test_passed: true}}
  worker:
    command: ./bin/worker --id "{name}"
    cwd: sub
    env: {LAYER: own-worker}
    dependsOn: [web]
`

describe('environment composition', () => {
  it('common → role → own → derived, each layer overriding the one before', () => {
    planOf(LAYERED, {}, (plan) => {
      const services = server(plan, 'services')
      const web = server(plan, 'web')
      const worker = server(plan, 'worker')
      expect(services.env.LAYER).toBe('own-services')
      expect(web.env.LAYER).toBe('own-web')
      expect(worker.env.LAYER).toBe('own-worker')
      expect(services.env.ROLE_ONLY).toBe('s')
      expect(web.env.ROLE_ONLY).toBe('w')
      expect(worker.env.ROLE_ONLY).toBeUndefined()
      expect(worker.env.COMMON_ONLY).toBe('c')
      // The config's common env overrides naaccord's own defaults.
      expect(web.env.PYTHONUNBUFFERED).toBe('0')
      expect(worker.env.FORCE_COLOR).toBe('1')
    })
  })

  it('derived role vars win over hand-written ones', () => {
    planOf(LAYERED, {}, (plan) => {
      const services = server(plan, 'services')
      const web = server(plan, 'web')
      expect(services.env.SERVER_ROLE).toBe('services')
      expect(web.env.SERVER_ROLE).toBe('web')
      expect(services.env.INTERNAL_API_KEY).toBe('the-shared-key-0123')
      expect(web.env.INTERNAL_API_KEY).toBe('the-shared-key-0123')
      // services listens on 0.0.0.0: web reaches it on 127.0.0.1.
      expect(web.env.SERVICES_URL).toBe('http://127.0.0.1:8101')
      expect(web.env.SERVICES_SERVER_URL).toBe('http://127.0.0.1:8101')
      expect(services.env.SERVICES_URL).toBeUndefined()
      expect(server(plan, 'worker').env.SERVER_ROLE).toBeUndefined()
      expect(server(plan, 'worker').env.INTERNAL_API_KEY).toBeUndefined()
    })
  })

  it('NAS_WORKSPACE_PATH defaults to the storage root; PORT to the port', () => {
    planOf(LAYERED, {}, (plan, dir) => {
      expect(plan.storageRoot).toBe(path.join(dir, 'data/store'))
      expect(server(plan, 'services').env.NAS_WORKSPACE_PATH).toBe(path.join(dir, 'data/store'))
      expect(server(plan, 'web').env.NAS_WORKSPACE_PATH).toBeUndefined()
      expect(server(plan, 'web').env.PORT).toBe('8100')
      expect(server(plan, 'worker').env.PORT).toBeUndefined()
    })
  })

  it('port overrides (test-streaming --start) move SERVICES_URL and the placeholders with them', () => {
    planOf(LAYERED, {ports: {services: 9301, web: 9300}}, (plan) => {
      expect(server(plan, 'web').env.SERVICES_URL).toBe('http://127.0.0.1:9301')
      expect(server(plan, 'web').args).toContain('--port=9300')
      expect(server(plan, 'services').args).toContain('9301')
    })
  })
})

describe('placeholders, commands and paths', () => {
  it("fills a dependency's probe at plan time: {port} is its first container port; tcp defaults to it", () => {
    const yaml = (ready: string, ports = '["127.0.0.1:0:6379", 8080]') =>
      `project: p\ndependencies:\n  db: {image: x, ports: ${ports}, ready: ${ready}}\n`
    planOf(yaml('{http: {url: "http://{host}:{port}/{name}"}}'), {}, (plan) => {
      const db = plan.units[0]
      expect(db.kind === 'dependency' && db.ready?.http?.url).toBe('http://127.0.0.1:6379/db')
      expect(db.kind === 'dependency' && db.ports.map((p) => [p.hostPort, p.containerPort])).toEqual([
        ['', 6379],
        ['', 8080],
      ])
    })
    planOf(yaml('{tcp: {}}'), {}, (plan) => {
      expect(plan.units[0].kind === 'dependency' && plan.units[0].ready?.tcp).toEqual({host: '127.0.0.1', port: 6379})
    })
    expect(() => planOf(yaml('{tcp: {}}', '["1:2:3:4"]'), {}, () => undefined)).toThrow(
      /dependencies\.db\.ports\[0\].*port "1:2:3:4": expected \[ip:\]host:container/,
    )
  })

  it('fills {port} {host} {url} {storage} {name} {apiKey} in args, probes and watch', () => {
    planOf(LAYERED, {}, (plan, dir) => {
      const services = server(plan, 'services')
      const web = server(plan, 'web')
      expect(services.args.slice(-7)).toEqual([
        'services',
        '--host',
        '0.0.0.0',
        '--port',
        '8101',
        '--storage',
        path.join(dir, 'data/store'),
      ])
      expect(web.args.slice(-4)).toEqual(['--port=8100', 'http://127.0.0.1:8100', 'web', 'the-shared-key-0123'])
      expect(web.ready?.http?.url).toBe('http://127.0.0.1:8100/internal/storage/health')
      expect(web.ready?.http?.headers).toEqual({'X-API-Key': 'the-shared-key-0123'})
      expect(web.ready?.http?.json).toEqual({test_passed: true})
      expect(web.watch).toEqual([path.join(dir, 'tmp/web')])
      expect(web.url).toBe('http://127.0.0.1:8100')
    })
  })

  it('`naaccord` runs this naaccord; a relative command path is resolved against cwd; quotes split', () => {
    planOf(LAYERED, {}, (plan, dir) => {
      const services = server(plan, 'services')
      expect(services.command).toBe(process.execPath)
      expect(services.args[0]).toMatch(/bin[/\\](run|dev)\.js$/)
      const worker = server(plan, 'worker')
      expect(worker.cwd).toBe(path.join(dir, 'sub'))
      expect(worker.command).toBe(path.join(dir, 'sub', 'bin', 'worker'))
      expect(worker.args).toEqual(['--id', 'worker'])
      expect(worker.commandText).toBe('./bin/worker --id {name}')
    })
    expect(splitCommand(`a "b c" 'd "e"' f""`)).toEqual(['a', 'b c', 'd "e"', 'f'])
    expect(splitCommand(`x ""`)).toEqual(['x', ''])
  })

  it("a server with a port and no probe gets a TCP probe on it; a tcp probe without a port takes the server's", () => {
    const text = `project: p
servers:
  a: {command: x, port: 7001}
  b: {command: x, port: 7002, ready: {tcp: {}}}
  c: {command: x}
`
    planOf(text, {}, (plan) => {
      expect(server(plan, 'a').ready?.tcp).toEqual({host: '127.0.0.1', port: 7001})
      expect(server(plan, 'b').ready?.tcp).toEqual({host: '127.0.0.1', port: 7002})
      expect(server(plan, 'c').ready).toBeUndefined()
    })
  })

  it('units come in dependency order, stable otherwise', () => {
    planOf(LAYERED, {}, (plan) => expect(plan.units.map((u) => u.name)).toEqual(['services', 'web', 'worker']))
    const text = `project: p
dependencies:
  db: {image: x, dependsOn: [cache]}
  cache: {image: y}
servers:
  z: {command: x, dependsOn: {db: healthy}}
  a: {command: x}
`
    planOf(text, {}, (plan) => {
      expect(plan.units.map((u) => u.name)).toEqual(['cache', 'db', 'z', 'a'])
      const db = plan.units.find((u) => u.name === 'db')
      expect(db?.kind === 'dependency' && db.containerName).toBe('p-db')
    })
  })
  it("web's FILE_UPLOAD_TEMP_DIR joins its watched folders (once); other roles' does not", () => {
    const yaml = (webWatch: string) => `project: p
servers:
  services: {role: services, command: x, port: 8101, env: {FILE_UPLOAD_TEMP_DIR: spool-s}}
  web: {role: web, command: x, port: 8100, env: {FILE_UPLOAD_TEMP_DIR: "{root}/spool"}, watch: ${webWatch}}
`
    planOf(yaml('[tmp/web]'), {}, (plan, dir) => {
      expect(server(plan, 'web').watch).toEqual([path.join(dir, 'tmp/web'), path.join(dir, 'spool')])
      expect(server(plan, 'services').watch).toEqual([])
    })
    planOf(yaml('[spool]'), {}, (plan, dir) => {
      expect(server(plan, 'web').watch).toEqual([path.join(dir, 'spool')])
    })
  })
})

const PROFILED = `project: p
dependencies:
  db: {image: x, profiles: [docker]}
  mail: {image: y, profiles: [mail, docker]}
servers:
  services: {role: services, command: x, port: 7101, dependsOn: {db: healthy}}
  web: {role: web, command: x, port: 7100, dependsOn: [services]}
  assets: {command: x, profiles: [front]}
`

describe('profiles and --only', () => {
  it('profiles off: units skipped with the way to enable them, dependsOn on them noted', () => {
    planOf(PROFILED, {}, (plan) => {
      expect(plan.units.map((u) => u.name)).toEqual(['services', 'web'])
      expect(plan.skipped).toEqual([
        {name: 'db', reason: 'profile docker is off (enable with --profile docker)'},
        {name: 'mail', reason: 'profile mail/docker is off (enable with --profile mail)'},
        {name: 'assets', reason: 'profile front is off (enable with --profile front)'},
      ])
      expect(server(plan, 'services').dependsOn).toEqual({})
      expect(plan.notices).toEqual([
        'services depends on db, which is not enabled (profile docker is off (enable with --profile docker)); starting without it',
      ])
    })
  })

  it("profiles on: any one of a unit's profiles enables it", () => {
    planOf(PROFILED, {profiles: ['docker']}, (plan) => {
      expect(plan.units.map((u) => u.name)).toEqual(['db', 'mail', 'services', 'web'])
      expect(server(plan, 'services').dependsOn).toEqual({db: 'healthy'})
      expect(plan.notices).toEqual([])
    })
  })

  it('--profile a,b as a command passes it (unsplit) enables both profiles', () => {
    planOf(PROFILED, {profiles: ['mail,front']}, (plan) => {
      expect(plan.units.map((u) => u.name)).toEqual(['mail', 'services', 'web', 'assets'])
    })
    planOf(PROFILED, {profiles: ['front'], env: {NAACCORD_PROFILES: 'mail'}}, (plan) => {
      expect(plan.units.map((u) => u.name)).toEqual(['mail', 'services', 'web', 'assets'])
    })
  })

  it('activeProfiles merges --profile (comma lists too) with NAACCORD_PROFILES, once each', () => {
    expect(activeProfiles(['docker,front', 'mail'], {NAACCORD_PROFILES: ' front , x,'})).toEqual([
      'docker',
      'front',
      'mail',
      'x',
    ])
    expect(activeProfiles([], {})).toEqual([])
  })

  it('--only takes what the named units depend on', () => {
    planOf(PROFILED, {only: ['web'], profiles: ['docker']}, (plan) => {
      expect(plan.units.map((u) => u.name)).toEqual(['db', 'services', 'web'])
      expect(plan.skipped).toContainEqual({name: 'mail', reason: 'not selected by --only'})
    })
  })

  it('--only with --no-deps takes just the named units and drops their dependsOn', () => {
    planOf(PROFILED, {only: ['web'], noDeps: true}, (plan) => {
      expect(plan.units.map((u) => u.name)).toEqual(['web'])
      expect(server(plan, 'web').dependsOn).toEqual({})
      // web still learns where services would be.
      expect(server(plan, 'web').env.SERVICES_URL).toBe('http://127.0.0.1:7101')
    })
  })

  it('--only of an unknown unit, or of one whose profile is off, is an error that says what to do', () => {
    withProject(PROFILED, {}, (dir) => {
      const loaded = loadConfig({cwd: dir, env: {}})
      expect(() => buildPlan(loaded, {only: ['wbe'], profiles: []})).toThrow(
        /--only wbe: no server or dependency of that name \(have: db, mail, services, web, assets\)/,
      )
      expect(() => buildPlan(loaded, {only: ['assets'], profiles: []})).toThrow(ConfigError)
      expect(() => buildPlan(loaded, {only: ['assets'], profiles: []})).toThrow(/add --profile front/)
    })
  })
})

describe('the API key', () => {
  const text = (key: string) => `project: p\napiKey: ${key}\nservers:\n  s: {role: services, command: x, port: 7201}\n`

  it('from the config, as a string or {value}', () => {
    planOf(text('plain-key-123456'), {}, (plan) =>
      expect(plan.apiKey).toEqual({value: 'plain-key-123456', source: 'config'}),
    )
    planOf(text('{value: v-key-123456}'), {}, (plan) => expect(plan.apiKey.value).toBe('v-key-123456'))
  })

  it('the key file wins when it exists, trimmed, and its path is exported too', () => {
    planOf(
      text('{value: from-config-123, file: key.txt}'),
      {},
      (plan, dir) => {
        expect(plan.apiKey).toEqual({value: 'from-file-456', file: path.join(dir, 'key.txt'), source: 'file'})
        expect(server(plan, 's').env.INTERNAL_API_KEY).toBe('from-file-456')
        expect(server(plan, 's').env.INTERNAL_API_KEY_FILE).toBe(path.join(dir, 'key.txt'))
      },
      {'key.txt': '  from-file-456\n'},
    )
  })

  it('a key file that does not exist falls back to the value', () => {
    planOf(text('{value: from-config-123, file: missing-key}'), {}, (plan) => {
      expect(plan.apiKey.value).toBe('from-config-123')
      expect(plan.apiKey.source).toBe('config')
    })
    planOf(text('{file: missing-key}'), {}, (plan) => {
      expect(plan.apiKey.source).toBe('none')
      expect(server(plan, 's').env.INTERNAL_API_KEY).toBeUndefined()
    })
  })
})

describe('start --profile a,b (the CLI, a real detached session)', {timeout: 120_000}, () => {
  it('starts the units of both profiles', async () => {
    const t = tempProject(`project: nac-profiles
servers:
  base: {command: [sh, -c, "exec sleep 60"]}
  extra-a: {command: [sh, -c, "exec sleep 60"], profiles: [a]}
  extra-b: {command: [sh, -c, "exec sleep 60"], profiles: [b]}
  extra-c: {command: [sh, -c, "exec sleep 60"], profiles: [c]}
`)
    try {
      const started = await runCli(['start', '--detach', '--profile', 'a,b'], {cwd: t.dir})
      expect(started.exitCode, String(started.all)).toBe(0)
      const status = JSON.parse(String((await runCli(['status', '--json'], {cwd: t.dir})).stdout)) as {
        units: {name: string; state: string}[]
      }
      expect(status.units.map((u) => [u.name, u.state])).toEqual([
        ['base', 'ready'],
        ['extra-a', 'ready'],
        ['extra-b', 'ready'],
      ])
    } finally {
      await runCli(['stop'], {cwd: t.dir})
      t.cleanup()
    }
  })
})
