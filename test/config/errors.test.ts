/** The pieces of a config message: field paths, issue lines, "did you mean". */
import {describe, expect, it} from 'vitest'
import {ConfigError, didYouMean, editDistance, formatIssue, formatPath} from '../../src/config/errors.js'

describe('formatPath', () => {
  it('dots for names, brackets for indexes and for keys that are not identifiers', () => {
    expect(formatPath(['servers', 'web', 'port'])).toBe('servers.web.port')
    expect(formatPath(['dependencies', 'db', 'ports', 0, 'container'])).toBe('dependencies.db.ports[0].container')
    expect(formatPath(['servers', 'web', 'env', '1BAD'])).toBe('servers.web.env["1BAD"]')
    expect(formatPath(['servers', 'my.server', 'ready'])).toBe('servers["my.server"].ready')
    expect(formatPath(['servers', 'web-2'])).toBe('servers.web-2')
    expect(formatPath([])).toBe('')
  })
})

describe('formatIssue and ConfigError', () => {
  it('file:line:col path: message, or less when less is known', () => {
    expect(formatIssue({file: 'a.yaml', line: 3, column: 7, path: 'x.y', message: 'bad'})).toBe('a.yaml:3:7 x.y: bad')
    expect(formatIssue({file: 'a.yaml', line: 3, path: '', message: 'bad'})).toBe('a.yaml:3:1: bad')
    expect(formatIssue({file: 'a.yaml', path: '', message: 'bad'})).toBe('a.yaml: bad')
  })

  it('a ConfigError carries every issue and says them all, one per line', () => {
    const error = new ConfigError([
      {file: 'a.yaml', line: 1, column: 1, path: 'p', message: 'one'},
      {file: 'b.yaml', path: '', message: 'two'},
    ])
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ConfigError')
    expect(error.issues).toHaveLength(2)
    expect(error.message).toBe('a.yaml:1:1 p: one\nb.yaml: two')
  })
})

describe('didYouMean', () => {
  const keys = ['project', 'apiKey', 'storage', 'env', 'roles', 'dependencies', 'servers', 'smoke']

  it('suggests close spellings, case-insensitively', () => {
    expect(didYouMean('sever', keys)).toBe('servers')
    expect(didYouMean('APIKEY', keys)).toBe('apiKey')
    expect(didYouMean('dependancies', keys)).toBe('dependencies')
    expect(didYouMean('dependson', ['dependsOn', 'depends'])).toBe('dependsOn')
  })

  it('suggests a name the input starts, or is part of', () => {
    expect(didYouMean('dep', keys)).toBe('dependencies')
    expect(didYouMean('TERM', ['SIGTERM', 'SIGINT', 'SIGKILL'])).toBe('SIGTERM')
  })

  it('stays quiet when nothing is close', () => {
    expect(didYouMean('zzz', keys)).toBeUndefined()
    expect(didYouMean('x', [])).toBeUndefined()
    // Inside more than one name and the prefix of none: no guess.
    expect(didYouMean('ERM', ['SIGTERM', 'PERMIT'])).toBeUndefined()
  })

  it('of several names the input starts, the closest', () => {
    expect(didYouMean('SIG', ['SIGTERM', 'SIGINT'])).toBe('SIGINT')
  })

  it('editDistance is the Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('same', 'SAME')).toBe(0)
  })
})
