/** naaccord.local.yaml over naaccord.config.yaml: maps merge, lists replace, errors located where the value came from. */
import {describe, expect, it} from 'vitest'
import {mergeOverlay} from '../../src/config/load.js'
import {at, BASE, CFG, errorsFor, LOCAL, loadText} from './helpers.js'

describe('mergeOverlay', () => {
  it('maps merge deeply, lists and scalars replace, undefined keeps the base', () => {
    expect(
      mergeOverlay(
        {a: {b: 1, c: [1, 2, 3], d: {e: 1}}, f: 'x', g: {h: 1}},
        {a: {c: [9], d: {f: 2}}, f: undefined, g: 'now a scalar', i: 1},
      ),
    ).toEqual({a: {b: 1, c: [9], d: {e: 1, f: 2}}, f: 'x', g: 'now a scalar', i: 1})
  })

  it('a map replaces a list and a scalar replaces a map', () => {
    expect(mergeOverlay({a: [1]}, {a: {b: 1}})).toEqual({a: {b: 1}})
    expect(mergeOverlay({a: {b: 1}}, {a: null})).toEqual({a: null})
  })
})

describe('the local overlay in the loader', () => {
  const withArgs = `${BASE}    args: [serve, web, --port, "{port}"]\n    env: {A: "1", B: "2"}\n`

  it('merges maps: the overlay changes one field and keeps the rest', () => {
    const loaded = loadText(withArgs, {
      files: {[LOCAL]: 'servers:\n  web:\n    port: 9000\n    env: {B: "3", C: "4"}\n'},
    })
    expect(loaded.config.servers.web.port).toBe(9000)
    expect(loaded.config.servers.web.command).toBe('naaccord')
    expect(loaded.config.servers.web.env).toEqual({A: '1', B: '3', C: '4'})
    expect(loaded.sources.map((s) => s.split('/').pop())).toEqual([CFG, LOCAL])
  })

  it('replaces lists whole', () => {
    const loaded = loadText(withArgs, {files: {[LOCAL]: 'servers:\n  web:\n    args: [other]\n'}})
    expect(loaded.config.servers.web.args).toEqual(['other'])
  })

  it('replaces a scalar by a map (restart: on-failure → {policy: always, …})', () => {
    const loaded = loadText(`${BASE}    restart: on-failure\n`, {
      files: {[LOCAL]: 'servers:\n  web:\n    restart: {policy: always, maxRestarts: 2}\n'},
    })
    expect(loaded.config.servers.web.restart).toMatchObject({policy: 'always', maxRestarts: 2})
  })

  it('adds servers', () => {
    const loaded = loadText(BASE, {files: {[LOCAL]: 'servers:\n  extra:\n    command: sleep 1\n'}})
    expect(Object.keys(loaded.config.servers)).toEqual(['services', 'web', 'extra'])
  })

  it('an empty overlay changes nothing; noLocal ignores the overlay', () => {
    expect(loadText(BASE, {files: {[LOCAL]: ''}}).config.servers.web.port).toBe(8000)
    const skipped = loadText(BASE, {files: {[LOCAL]: 'servers:\n  web:\n    port: 9000\n'}, noLocal: true})
    expect(skipped.config.servers.web.port).toBe(8000)
    expect(skipped.sources).toHaveLength(1)
  })
})

describe('errors are located in the file the bad value came from', () => {
  it('a bad value set by the overlay', () => {
    const local = 'servers:\n  web:\n    port: "80a"\n'
    expect(errorsFor(BASE, {files: {[LOCAL]: local}})).toEqual([
      `${at(LOCAL, local, '"80a"')} servers.web.port: expected a number from 1 to 65535, got "80a"`,
    ])
  })

  it('a bad value in the base next to a good one from the overlay', () => {
    const text = BASE.replace('role: web', 'role: webb')
    const local = 'servers:\n  web:\n    port: 9000\n'
    expect(errorsFor(text, {files: {[LOCAL]: local}})).toEqual([
      `${at(CFG, text, 'webb')} servers.web.role: expected one of web, services, got "webb"; did you mean "web"?`,
    ])
  })

  it('an unknown key in the overlay', () => {
    const local = 'servers:\n  web:\n    prot: 1\n'
    expect(errorsFor(BASE, {files: {[LOCAL]: local}})).toEqual([
      `${at(LOCAL, local, 'prot')} servers.web.prot: unknown key; did you mean "port"?`,
    ])
  })

  it('a field missing from a server the overlay adds is located in the overlay', () => {
    const local = 'servers:\n  extra:\n    port: 9000\n'
    expect(errorsFor(BASE, {files: {[LOCAL]: local}})).toEqual([
      `${at(LOCAL, local, 'extra')} servers.extra.command: is required (a string or a list)`,
    ])
  })

  it('a field missing from a base server stays in the base even when the overlay touches that server', () => {
    const text = BASE.replace('    command: naaccord\n    port: 8000', '    port: 8000')
    const local = 'servers:\n  web:\n    port: 9000\n'
    expect(errorsFor(text, {files: {[LOCAL]: local}})).toEqual([
      `${at(CFG, text, 'web:')} servers.web.command: is required (a string or a list)`,
    ])
  })

  it('inside a list the overlay replaced, even where the base list had the field', () => {
    const text = `${BASE}dependencies:\n  db:\n    image: x\n    ports: [{container: 3306}]\n`
    const local = 'dependencies:\n  db:\n    ports:\n      - {host: 3307}\n'
    expect(errorsFor(text, {files: {[LOCAL]: local}})).toEqual([
      `${at(LOCAL, local, '{host')} dependencies.db.ports[0].container: is required (a number from 1 to 65535)`,
    ])
  })

  it('a whole-config problem caused by the overlay (a duplicate port) points at the overlay', () => {
    const local = 'servers:\n  web:\n    port: 8001\n'
    expect(errorsFor(BASE, {files: {[LOCAL]: local}})).toEqual([
      `${at(LOCAL, local, '8001')} servers.web.port: port 8001 is already used by server "services"; give each server its own port`,
    ])
  })

  it('a YAML syntax error in the overlay', () => {
    const errors = errorsFor(BASE, {files: {[LOCAL]: 'servers:\n  web: {port: 1\n'}})
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^naaccord\.local\.yaml:\d+:\d+: YAML syntax error: /)
  })

  it('an overlay that is a list', () => {
    expect(errorsFor(BASE, {files: {[LOCAL]: '- 1\n'}})).toEqual([
      `${LOCAL}:1:1: expected a map of settings at the top level, got a list`,
    ])
  })
})
