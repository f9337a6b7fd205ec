/**
 * checkConfigGraph on parsed configs (the real schema, no YAML): dependsOn names, self-dependencies, cycles, the
 * depot roles and shared ports. The loader's tests check where each issue is located in the file; these check
 * which issues come out, at which field path, and that a good graph gives none.
 */
import {expect, it} from 'vitest'
import {checkConfigGraph} from '../../src/config/graph-check.js'
import {Config, type ConfigInput} from '../../src/config/schema.js'

type Servers = NonNullable<ConfigInput['servers']>
type Deps = NonNullable<ConfigInput['dependencies']>

function graph(servers: Servers, dependencies: Deps = {}) {
  return checkConfigGraph(Config.parse({project: 'p', servers, dependencies}))
}

/** The depot pair, valid on its own. */
const pair: Servers = {
  services: {role: 'services', command: 'naaccord', port: 8001},
  web: {role: 'web', command: 'naaccord', port: 8000, dependsOn: {services: 'ready'}},
}

it('a valid graph (the pair, a worker, dependencies in a chain) has no issues', () => {
  expect(
    graph(
      {
        ...pair,
        web: {...pair.web, dependsOn: ['services', 'redis']},
        celery: {command: 'celery', dependsOn: {redis: 'healthy', mariadb: 'started'}},
      },
      {mariadb: {image: 'mariadb'}, redis: {image: 'redis', dependsOn: ['mariadb']}},
    ),
  ).toEqual([])
  expect(graph({})).toEqual([])
})

it('an unknown dependsOn target is a key-only issue with a suggestion when one is close', () => {
  expect(graph({...pair, celery: {command: 'c', dependsOn: ['servces', 'zzz']}}, {redis: {image: 'r'}})).toEqual([
    {
      path: ['servers', 'celery', 'dependsOn', 'servces'],
      keyOnly: true,
      message: 'no server or dependency named "servces"; did you mean "services"?',
    },
    {path: ['servers', 'celery', 'dependsOn', 'zzz'], keyOnly: true, message: 'no server or dependency named "zzz"'},
  ])
})

it('a dependency that names a missing unit is reported under dependencies', () => {
  expect(graph(pair, {redis: {image: 'r', dependsOn: ['mariadb']}})).toEqual([
    {path: ['dependencies', 'redis', 'dependsOn', 'mariadb'], keyOnly: true, message: expect.any(String)},
  ])
})

it('depending on itself is its own issue, not a cycle', () => {
  expect(graph({...pair, celery: {command: 'c', dependsOn: ['celery']}})).toEqual([
    {
      path: ['servers', 'celery', 'dependsOn', 'celery'],
      keyOnly: true,
      message: 'a process cannot depend on itself; remove this entry',
    },
  ])
})

it('a cycle is reported once, with its members in order, at the unit that closes it', () => {
  const issues = graph(
    {...pair, a: {command: 'a', dependsOn: ['b']}, b: {command: 'b', dependsOn: ['redis']}},
    {redis: {image: 'r', dependsOn: ['a']}},
  )
  expect(issues).toEqual([
    {
      path: ['servers', 'b', 'dependsOn'],
      message: 'dependency cycle: redis → a → b → redis; remove one of these dependsOn entries',
    },
  ])
})

it('two separate cycles are two issues', () => {
  const issues = graph({
    ...pair,
    a: {command: 'a', dependsOn: ['b']},
    b: {command: 'b', dependsOn: ['a']},
    c: {command: 'c', dependsOn: ['d']},
    d: {command: 'd', dependsOn: ['c']},
  })
  expect(issues.map((i) => i.message.split(';')[0])).toEqual([
    'dependency cycle: a → b → a',
    'dependency cycle: c → d → c',
  ])
})

it('a server named like a dependency is reported on the server, once', () => {
  expect(graph({...pair, redis: {command: 'redis-server'}}, {redis: {image: 'r'}})).toEqual([
    {
      path: ['servers', 'redis'],
      keyOnly: true,
      message: 'the name "redis" is also a dependency; names must be unique: rename one of them',
    },
  ])
})

it('a second holder of a role is reported on its role, naming the first', () => {
  const issues = graph({
    ...pair,
    web2: {role: 'web', command: 'x', port: 8002},
    web3: {role: 'web', command: 'x', port: 8003},
  })
  expect(issues).toEqual([
    {
      path: ['servers', 'web2', 'role'],
      message: 'only one server may have role web; "web" has it already: remove the role from one of them',
    },
    {path: ['servers', 'web3', 'role'], message: expect.stringContaining('"web" has it already')},
  ])
})

it('web without a services server, and services without a port, are each reported', () => {
  expect(graph({web: pair.web as Servers[string]}).filter((i) => i.path.at(-1) === 'role')).toEqual([
    {
      path: ['servers', 'web', 'role'],
      message: 'role web streams to a services server, but no server has role services; add one (see `naaccord init`)',
    },
  ])
  expect(graph({services: {role: 'services', command: 'naaccord'}})).toEqual([
    {path: ['servers', 'services'], message: 'role services needs a port (web reaches it through SERVICES_URL)'},
  ])
  // services alone, with its port, is fine: web is optional.
  expect(graph({services: pair.services as Servers[string]})).toEqual([])
})

it('every server after the first on a port is reported, naming the first', () => {
  const issues = graph({...pair, a: {command: 'a', port: 8000}, b: {command: 'b', port: '8000'}, c: {command: 'c'}})
  expect(issues).toEqual([
    {
      path: ['servers', 'a', 'port'],
      message: 'port 8000 is already used by server "web"; give each server its own port',
    },
    {
      path: ['servers', 'b', 'port'],
      message: 'port 8000 is already used by server "web"; give each server its own port',
    },
  ])
})
