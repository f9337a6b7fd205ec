/**
 * Every class of schema error, each with its exact file, line, column, field path and message. Positions are
 * computed from the test's own text (at()), so a wrong column in the loader fails here.
 */
import {describe, expect, it} from 'vitest'
import {at, BASE, CFG, errorsFor} from './helpers.js'

/** BASE with web's block extended by the given lines (4-space indented, inside servers.web). */
const webWith = (...lines: string[]) => `${BASE}${lines.map((l) => `    ${l}\n`).join('')}`

describe('schema errors are located at file:line:col with the field path', () => {
  it('port out of range as text: "80a" (the issue\'s example)', () => {
    const text = BASE.replace('port: 8000', 'port: "80a"')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '"80a"')} servers.web.port: expected a number from 1 to 65535, got "80a"`,
    ])
  })

  it('port out of range as a number, and port 0', () => {
    const text = BASE.replace('port: 8000', 'port: 70000').replace('port: 8001', 'port: 0')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '0\n')} servers.services.port: expected a number from 1 to 65535, got 0`,
      `${at(CFG, text, '70000')} servers.web.port: expected a number from 1 to 65535, got 70000`,
    ])
  })

  it('wrong type', () => {
    const text = webWith('args: 5')
    expect(errorsFor(text)).toEqual([`${at(CFG, text, '5\n')} servers.web.args: expected a list, got 5`])
  })

  it('enum, with a suggestion', () => {
    const text = BASE.replace('role: web', 'role: webb')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'webb')} servers.web.role: expected one of web, services, got "webb"; did you mean "web"?`,
    ])
  })

  it('bad duration', () => {
    const text = webWith('startTimeout: 5 sec')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '5 sec')} servers.web.startTimeout: expected a duration such as 500ms, 2s or 1m, got "5 sec"`,
    ])
  })

  it('negative duration', () => {
    const text = webWith('startTimeout: -5')
    expect(errorsFor(text)).toEqual([`${at(CFG, text, '-5')} servers.web.startTimeout: expected at least 0, got -5`])
  })

  it('unknown key with a suggestion, located at the key', () => {
    const text = webWith('dependson: {services: ready}')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'dependson')} servers.web.dependson: unknown key; did you mean "dependsOn"?`,
    ])
  })

  it('unknown top-level key with a suggestion, and one with the list of allowed keys', () => {
    const text = `${BASE}sever: {}\nzzz: 1\n`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'sever')} sever: unknown key; did you mean "servers"?`,
      `${at(CFG, text, 'zzz')} zzz: unknown key (expected one of project, apiKey, storage, env, roles, dependencies, servers, smoke)`,
    ])
  })

  it('missing required field, located at the thing that lacks it', () => {
    const text = BASE.replace('    command: naaccord\n    port: 8000', '    port: 8000')
    expect(errorsFor(text)).toEqual([`${at(CFG, text, 'web:')} servers.web.command: is required (a string or a list)`])
  })

  it('missing project', () => {
    const text = BASE.replace('project: p\n', '')
    expect(errorsFor(text)).toEqual([`${at(CFG, text, 'apiKey')} project: is required (a string)`])
  })

  it('every error at once, sorted by position', () => {
    const text = BASE.replace('port: 8000', 'port: "80a"').replace('role: web', 'role: webb')
    const errors = errorsFor(`${text}    startTimeout: soon\n`)
    expect(errors.map((e) => e.split(' ')[1])).toEqual([
      'servers.web.role:',
      'servers.web.port:',
      'servers.web.startTimeout:',
    ])
  })

  it('a value left empty says so', () => {
    const text = webWith('env:')
    // The empty value sits right after `env:` on line 13 (the 13th newline of the text is its end).
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '\n', 12)} servers.web.env: expected a map, got nothing (an empty value)`,
    ])
  })

  it('a bad environment variable name points at the key, not its value', () => {
    const text = webWith('env: {"1BAD": x}')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '"1BAD"')} servers.web.env["1BAD"]: expected an environment variable name (letters, digits, _), got the key "1BAD"`,
    ])
  })

  it('a bad server name points at the key', () => {
    const text = `${BASE}  Bad Name:\n    command: x\n`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'Bad Name')} servers["Bad Name"]: expected a lower-case name (a-z, 0-9, _ . -), got the key "Bad Name"`,
    ])
  })

  it('a bad project name points at the value', () => {
    const text = BASE.replace('project: p', 'project: P Q')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'P Q')} project: expected a lower-case name (a-z, 0-9, _ . -), got "P Q"`,
    ])
  })
})

describe('union branches are explained by the branch that matched best', () => {
  it('restart policy as a word', () => {
    const text = webWith('restart: sometimes')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'sometimes')} servers.web.restart: expected one of no, on-failure, always, got "sometimes"`,
    ])
  })

  it('restart policy as a map: the map branch reports its own fields', () => {
    const text = webWith('restart: {policy: al, maxRestart: 2, window: -1}')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'al,')} servers.web.restart.policy: expected one of no, on-failure, always, got "al"; did you mean "no"?`,
      `${at(CFG, text, 'maxRestart')} servers.web.restart.maxRestart: unknown key; did you mean "maxRestarts"?`,
      `${at(CFG, text, '-1')} servers.web.restart.window: expected at least 0, got -1`,
    ])
  })

  it('restart policy of the wrong type', () => {
    const text = webWith('restart: [always]')
    const [error] = errorsFor(text)
    expect(error).toMatch(new RegExp(`^${at(CFG, text, '[always]').replace(/[.]/g, '\\.')} servers\\.web\\.restart: `))
  })

  it('probe with no kind, with two kinds, with a misspelt kind', () => {
    expect(errorsFor(webWith('ready: {interval: 1s}'))).toEqual([
      `${at(CFG, webWith('ready: {interval: 1s}'), '{interval')} servers.web.ready: expected one probe kind: http, tcp, log or exec`,
    ])
    const two = webWith('ready: {tcp: {port: 1}, log: {pattern: x}}')
    expect(errorsFor(two)).toEqual([
      `${at(CFG, two, '{tcp')} servers.web.ready: expected one probe kind, got tcp and log`,
    ])
    const typo = webWith('ready: {htp: {url: x}}')
    expect(errorsFor(typo)).toContain(
      `${at(CFG, typo, 'htp')} servers.web.ready.htp: unknown key; did you mean "http"?`,
    )
  })

  it('probe fields inside a kind', () => {
    const text = webWith('ready: {http: {url: 5, method: PUT}}')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '5,')} servers.web.ready.http.url: expected a string, got 5`,
      `${at(CFG, text, 'PUT')} servers.web.ready.http.method: expected one of GET, HEAD, POST, got "PUT"; did you mean "GET"?`,
    ])
  })

  it('dependsOn condition', () => {
    const text = BASE.replace('{services: ready}', '{services: redy}')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'redy')} servers.web.dependsOn.services: expected one of started, ready, healthy, completed, got "redy"; did you mean "ready"?`,
    ])
  })

  it('command of the wrong type', () => {
    const text = BASE.replace('command: naaccord\n    port: 8000', 'command: 5\n    port: 8000')
    expect(errorsFor(text)).toEqual([`${at(CFG, text, '5\n')} servers.web.command: expected a string or a list, got 5`])
  })

  it('dependency port mapping and health check test', () => {
    const text = `${BASE}dependencies:\n  db:\n    image: x\n    ports: [{container: "x"}]\n    healthcheck: {test: 5}\n`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '"x"')} dependencies.db.ports[0].container: expected a number from 1 to 65535, got "x"`,
      `${at(CFG, text, '5}')} dependencies.db.healthcheck.test: expected a string or a list, got 5`,
    ])
  })

  it('apiKey as a map needs value or file', () => {
    const text = BASE.replace('apiKey: k0123456789', 'apiKey: {}')
    expect(errorsFor(text)).toEqual([`${at(CFG, text, '{}')} apiKey: expected value or file`])
  })
})

describe('whole-config checks', () => {
  it('dependsOn of an unknown name, with a suggestion', () => {
    const text = BASE.replace('{services: ready}', '{servics: ready}')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'servics')} servers.web.dependsOn.servics: no server or dependency named "servics"; did you mean "services"?`,
    ])
  })

  it('dependsOn itself', () => {
    const text = BASE.replace('{services: ready}', '[web]')
    expect(errorsFor(text)[0]).toMatch(
      /servers\.web\.dependsOn\.web: a process cannot depend on itself; remove this entry$/,
    )
  })

  it('a dependency cycle', () => {
    const text = BASE.replace('    port: 8001\n', '    port: 8001\n    dependsOn: [web]\n')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '{services')} servers.web.dependsOn: dependency cycle: services → web → services; remove one of these dependsOn entries`,
    ])
  })

  it('two servers with one role', () => {
    const text = `${BASE}  other:\n    role: web\n    command: x\n    port: 9000\n`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'web', 2)} servers.other.role: only one server may have role web; "web" has it already: remove the role from one of them`,
    ])
  })

  it('web without services', () => {
    const text = BASE.replace('role: services', 'description: x').replace('    dependsOn: {services: ready}\n', '')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'web', 1)} servers.web.role: role web streams to a services server, but no server has role services; add one (see \`naaccord init\`)`,
    ])
  })

  it('services without a port', () => {
    const text = BASE.replace('    port: 8001\n', '')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, 'role: services')} servers.services: role services needs a port (web reaches it through SERVICES_URL)`,
    ])
  })

  it('duplicate ports', () => {
    const text = BASE.replace('port: 8000', 'port: 8001')
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '8001', 1)} servers.web.port: port 8001 is already used by server "services"; give each server its own port`,
    ])
  })

  it('a server named like a dependency', () => {
    const text = `${BASE}dependencies:\n  web:\n    image: x\n`
    expect(errorsFor(text)).toContain(
      `${at(CFG, text, 'web:')} servers.web: the name "web" is also a dependency; names must be unique: rename one of them`,
    )
  })
})

describe('unions read as what the value should look like', () => {
  const cases: [string, string, string, string, number?][] = [
    [
      'a port given as true',
      webWith('host: x', 'ready: {tcp: {port: true}}'),
      'true}',
      'servers.web.ready.tcp.port: expected a number from 1 to 65535, got true',
    ],
    [
      'a duration given as a map',
      webWith('startTimeout: {s: 1}'),
      '{s: 1}',
      'servers.web.startTimeout: expected a duration such as 500ms, 2s or 1m, got a map',
    ],
    [
      'dependsOn as one word',
      BASE.replace('{services: ready}', 'services'),
      'services\n',
      'servers.web.dependsOn: expected a list of names such as [services], or a map of name: condition such as {services: ready}, got "services"',
      1,
    ],
    [
      'a restart policy as a number',
      webWith('restart: 3'),
      '3\n',
      'servers.web.restart: expected one of no, on-failure, always, or a map {policy, maxRestarts, window, backoff}, got 3',
    ],
    [
      'an API key that YAML reads as a number',
      BASE.replace('k0123456789', '123456789'),
      '123456789',
      'apiKey: expected a string (quote a key that looks like a number), or a map {value, file}, got 123456789',
    ],
    [
      'an env value that is a map',
      webWith('env: {A: {b: 1}}'),
      '{b: 1}',
      'servers.web.env.A: expected a string, a number or true or false, got a map',
    ],
    [
      'an empty command list',
      BASE.replace('command: naaccord\n    port: 8000', 'command: []\n    port: 8000'),
      '[]',
      'servers.web.command: must not be empty: give at least one item',
    ],
    [
      'a health check retries of 0 (must be positive)',
      `${BASE}dependencies:\n  db: {image: x, healthcheck: {test: x, retries: 0}}\n`,
      '0}}',
      'dependencies.db.healthcheck.retries: expected more than 0, got 0',
    ],
    [
      'a stop signal without SIG',
      webWith('stop: {signal: TERM}'),
      'TERM',
      'servers.web.stop.signal: expected one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGKILL, SIGUSR1, SIGUSR2, got "TERM"; did you mean "SIGTERM"?',
    ],
  ]
  for (const [name, text, needle, message, nth] of cases) {
    it(name, () => expect(errorsFor(text)).toEqual([`${at(CFG, text, needle, nth)} ${message}`]))
  }
})
