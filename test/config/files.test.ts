/** Finding and reading the config file: walk-up, NAACCORD_CONFIG, --config, and broken files. */
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseDocument} from 'yaml'
import {ConfigError} from '../../src/config/errors.js'
import {findConfigFile, loadConfig} from '../../src/config/load.js'
import {tempDir} from '../helpers/index.js'
import {at, BASE, CFG, errorsFor, issuesOf, loadText, withProject} from './helpers.js'

describe('finding naaccord.config.yaml', () => {
  it('walks up from a subfolder; the folder holding it is the root', () => {
    withProject(BASE, {}, (dir) => {
      const sub = path.join(dir, 'a', 'b')
      mkdirSync(sub, {recursive: true})
      const loaded = loadConfig({cwd: sub, env: {}})
      expect(loaded.file).toBe(path.join(dir, CFG))
      expect(loaded.root).toBe(dir)
      expect(loaded.sources).toEqual([path.join(dir, CFG)])
    })
  })

  it('skips a folder named naaccord.config.yaml on the way up', () => {
    withProject(BASE, {}, (dir) => {
      const sub = path.join(dir, 'sub')
      mkdirSync(path.join(sub, CFG), {recursive: true})
      expect(findConfigFile({cwd: sub, env: {}})).toBe(path.join(dir, CFG))
    })
  })

  it('NAACCORD_CONFIG names the file (relative to cwd), and --config wins over it', () => {
    withProject(BASE, {'other.yaml': BASE.replace('project: p', 'project: other')}, (dir) => {
      const elsewhere = tempDir()
      try {
        const viaEnv = loadConfig({cwd: dir, env: {NAACCORD_CONFIG: 'other.yaml'}})
        expect(viaEnv.config.project).toBe('other')
        const viaAbsolute = loadConfig({cwd: elsewhere.dir, env: {NAACCORD_CONFIG: path.join(dir, 'other.yaml')}})
        expect(viaAbsolute.root).toBe(dir)
        const both = loadConfig({cwd: dir, configPath: CFG, env: {NAACCORD_CONFIG: 'other.yaml'}})
        expect(both.config.project).toBe('p')
      } finally {
        elsewhere.cleanup()
      }
    })
  })

  it('a missing --config or NAACCORD_CONFIG file says which one named it', () => {
    const issues = issuesOf((dir) => loadConfig({cwd: dir, configPath: 'nope.yaml', env: {}}), BASE)
    expect(issues).toEqual([{file: 'nope.yaml', path: '', message: 'no such file (from --config)'}])
    const fromEnv = issuesOf((dir) => loadConfig({cwd: dir, env: {NAACCORD_CONFIG: 'gone.yaml'}}), BASE)
    expect(fromEnv[0].message).toBe('no such file (from NAACCORD_CONFIG)')
  })

  it('a directory given as --config says so and names the file to pass', () => {
    const issues = issuesOf((dir) => loadConfig({cwd: dir, configPath: '.', env: {}}), BASE)
    expect(issues).toHaveLength(1)
    expect(issues[0].file).toBe('.')
    expect(issues[0].message).toMatch(
      /^is a directory, not a config file \(from --config\); pass \/.*naaccord\.config\.yaml$/,
    )
  })

  it('no config anywhere above says how to get one', () => {
    const t = tempDir()
    try {
      let caught: unknown
      try {
        findConfigFile({cwd: t.dir, env: {}})
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(ConfigError)
      expect((caught as ConfigError).message).toContain('run `naaccord init` to write one, or pass --config FILE')
    } finally {
      t.cleanup()
    }
  })
})

describe('broken files', () => {
  it('an empty file, or one with only comments', () => {
    for (const text of ['', '# nothing yet\n', '\n\n']) {
      expect(errorsFor(text), JSON.stringify(text)).toEqual([
        `${CFG}: the file is empty; run \`naaccord init\` for a starting point`,
      ])
    }
  })

  it('a YAML syntax error has a line and column', () => {
    const text = 'project: p\nservers:\n  web: [\n'
    const [error, ...rest] = errorsFor(text)
    expect(rest).toEqual([])
    expect(error).toMatch(/^naaccord\.config\.yaml:4:1: YAML syntax error: Flow sequence .* end with a \]$/)
  })

  it('a duplicate key is located at the second one', () => {
    const text = `${BASE}project: q\n`
    expect(errorsFor(text)).toEqual([`${at(CFG, text, 'project', 1)}: YAML syntax error: Map keys must be unique`])
  })

  it('a bad indent is located', () => {
    const text = 'project: p\n  bad: indent\nservers: {}\n'
    for (const error of errorsFor(text)) expect(error).toMatch(/^naaccord\.config\.yaml:\d+:\d+: YAML syntax error: /)
  })

  it('a list or a scalar at the top level', () => {
    expect(errorsFor('- a\n- b\n')).toEqual([`${CFG}:1:1: expected a map of settings at the top level, got a list`])
    expect(errorsFor('just words\n')).toEqual([
      `${CFG}:1:1: expected a map of settings at the top level, got "just words"`,
    ])
  })

  it('an alias bomb is refused as a config error, not a crash', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 8; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      )
    const text = `${lines.join('\n')}\n`
    const errors = errorsFor(text)
    expect(errors).toHaveLength(1)
    // Located at the first alias, where the expansion begins.
    expect(errors[0].startsWith(`${at(CFG, text, '*a0')}: YAML could not be read: `)).toBe(true)
    expect(errors[0]).toMatch(/alias/i)
  })

  it('.env that cannot be read', () => {
    withProject(BASE, {}, (dir) => {
      mkdirSync(path.join(dir, '.env'))
      expect(() => loadConfig({cwd: dir, env: {}})).toThrow(/\.env: cannot read \.env: EISDIR/)
    })
  })

  it('a __proto__ key is an unknown key and changes nothing else', () => {
    const text = `${BASE}__proto__: {storage: /etc}\n`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '__proto__')} __proto__: unknown key (expected one of project, apiKey, storage, env, roles, dependencies, servers, smoke)`,
    ])
    const local = '__proto__:\n  storage: /etc\n'
    withProject(BASE, {'naaccord.local.yaml': local}, (dir) => {
      expect(() => loadConfig({cwd: dir, env: {}})).toThrow(/unknown key/)
      expect(({} as Record<string, unknown>).storage).toBeUndefined()
    })
  })

  it('a file that is not UTF-8 text still gives located errors, never a crash', () => {
    withProject('', {}, (dir) => {
      writeFileSync(path.join(dir, CFG), Buffer.from([0xff, 0xfe, 0x00, 0x3a, 0x0a, 0x5b]))
      expect(() => loadConfig({cwd: dir, env: {}})).toThrow(ConfigError)
    })
  })
})

describe('line endings, BOM and tabs', () => {
  const text = 'project: p\nservers:\n  web:\n    command: x\n    port: "80a"\n'
  const expected = `${CFG}:5:11 servers.web.port: expected a number from 1 to 65535, got "80a"`

  it('CRLF line endings and a byte-order mark do not move positions', () => {
    expect(errorsFor(text)).toEqual([expected])
    expect(errorsFor(text.replaceAll('\n', '\r\n'))).toEqual([expected])
    expect(errorsFor(`\ufeff${text}`)).toEqual([expected])
  })

  it('a tab used for indentation is a located syntax error', () => {
    expect(errorsFor(text.replace('    port', '\tport'))).toEqual([
      `${CFG}:5:1: YAML syntax error: Tabs are not allowed as indentation`,
    ])
  })
})

describe('keys that are not names', () => {
  it('a list or map as a key is located, and yaml prints no process warning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    process.on('warning', onWarning)
    try {
      const text = `${BASE}    env:\n      [a, b]: x\n      ? {c: 1}\n      : y\n`
      expect(errorsFor(text)).toEqual([
        `${at(CFG, text, '[a, b]')}: a list cannot be a key; keys are plain names such as port or web`,
        `${at(CFG, text, '{c: 1}')}: a map cannot be a key; keys are plain names such as port or web`,
      ])
      // Warnings are emitted on the next tick: wait for them before looking.
      await new Promise((resolve) => setImmediate(resolve))
      // The listener does hear yaml's warning when one is made (so the empty list below means something).
      parseDocument('[z]: 1\n').toJS()
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('Keys with collection values')
  })

  it('a number as a key is read as its text', () => {
    const text = `${BASE}    env: {1: x}\n`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '1: x')} servers.web.env["1"]: expected an environment variable name (letters, digits, _), got the key "1"`,
    ])
  })
})

describe('YAML anchors and merge keys', () => {
  const text = `project: p
servers:
  services:
    role: services
    command: naaccord
    port: 8001
    ready: &health
      http: {url: "{url}/internal/storage/health", method: PUT}
  web:
    role: web
    <<: &server
      command: naaccord
      ready: *health
    port: 8000
  other:
    <<: *server
    port: 9000
`
  it('merge keys bring in settings; errors in shared values point at where they are written', () => {
    // The bad method is written once, on line 8, and reaches three servers (by alias, and by merge key).
    const message = (name: string) =>
      `${at(CFG, text, 'PUT')} servers.${name}.ready.http.method: expected one of GET, HEAD, POST, got "PUT"; did you mean "GET"?`
    expect(errorsFor(text)).toEqual([message('services'), message('web'), message('other')])
  })

  it('a merged config loads with the merged values', () => {
    const loaded = loadText(text.replace('method: PUT', 'method: GET'))
    expect(loaded.config.servers.other).toMatchObject({command: 'naaccord', port: 9000})
    expect(loaded.config.servers.other.ready?.http?.url).toBe('{url}/internal/storage/health')
    expect(loaded.config.servers.web.role).toBe('web')
    expect(loaded.config.servers.other.role).toBeUndefined()
  })

  it('a merge key given a scalar or a list is located, not an unplaced YAML failure', () => {
    const text = `${BASE}    <<: 5
`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, '5\n', 0)}: a merge key (<<) takes a map or an alias of one, or a list of those, such as <<: *defaults`,
    ])
    const list = `a: &a [1]\n${BASE}    <<: [*a]\n`
    expect(errorsFor(list)).toEqual([
      `${at(CFG, list, '[*a]')}: a merge key (<<) takes a map or an alias of one, or a list of those, such as <<: *defaults`,
    ])
  })
})
