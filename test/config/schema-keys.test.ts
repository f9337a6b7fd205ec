/**
 * The schema walk behind "did you mean" and "expected …": which keys a field path allows, whether it is a record,
 * which schemas apply there, and peeling one wrapper. On the real Config schema, and on small schemas built for a
 * single wrapper or container kind each.
 */
import {describe, expect, it} from 'vitest'
import {z} from 'zod'
import {Config, DependsOn, Duration, Port} from '../../src/config/schema.js'
import {allowedKeysAt, isRecordAt, peel, schemasAt} from '../../src/config/schema-keys.js'

describe('on the real config schema', () => {
  it('the top level, a server (through the servers record) and a dependency list their own keys', () => {
    expect(allowedKeysAt(Config, [])).toEqual([
      'project',
      'apiKey',
      'storage',
      'env',
      'roles',
      'dependencies',
      'servers',
      'smoke',
    ])
    const server = allowedKeysAt(Config, ['servers', 'any-name'])
    expect(server).toContain('dependsOn')
    expect(server).toContain('watch')
    expect(server).not.toContain('image')
    const dependency = allowedKeysAt(Config, ['dependencies', 'redis'])
    expect(dependency).toContain('image')
    expect(dependency).toContain('healthcheck')
    expect(dependency).not.toContain('watch')
  })

  it('looks through defaults, optionals and refinements: a probe, its http settings, a healthcheck, stop', () => {
    // ready is optional(Probe), and Probe is an object under a superRefine (ZodEffects).
    expect(allowedKeysAt(Config, ['servers', 'web', 'ready'])).toEqual([
      'http',
      'tcp',
      'log',
      'exec',
      'interval',
      'timeout',
      'retries',
      'startPeriod',
    ])
    expect(allowedKeysAt(Config, ['servers', 'web', 'ready', 'http'])).toEqual([
      'url',
      'method',
      'status',
      'json',
      'headers',
    ])
    expect(allowedKeysAt(Config, ['servers', 'web', 'stop'])).toEqual(['signal', 'timeout'])
    expect(allowedKeysAt(Config, ['dependencies', 'db', 'healthcheck'])).toContain('startInterval')
  })

  it('a union of a scalar and an object offers the object branch’s keys (restart, apiKey, a port mapping)', () => {
    expect(allowedKeysAt(Config, ['servers', 'web', 'restart'])).toEqual(['policy', 'maxRestarts', 'window', 'backoff'])
    expect(allowedKeysAt(Config, ['apiKey'])).toEqual(['value', 'file'])
    // ports is an array: any index reaches the element, a union of string, number and {host, container, …}.
    expect(allowedKeysAt(Config, ['dependencies', 'db', 'ports', 3])).toEqual([
      'host',
      'container',
      'hostIp',
      'protocol',
    ])
  })

  it('no keys where the value is a scalar, a record or unknown', () => {
    expect(allowedKeysAt(Config, ['project'])).toEqual([])
    expect(allowedKeysAt(Config, ['servers'])).toEqual([])
    expect(allowedKeysAt(Config, ['servers', 'web', 'env'])).toEqual([])
    expect(allowedKeysAt(Config, ['nope'])).toEqual([])
    expect(allowedKeysAt(Config, ['servers', 'web', 'nope', 'deeper'])).toEqual([])
  })

  it('records are told apart from objects: servers, env, headers, dependsOn (a list or a map) are records', () => {
    expect(isRecordAt(Config, ['servers'])).toBe(true)
    expect(isRecordAt(Config, ['dependencies'])).toBe(true)
    expect(isRecordAt(Config, ['env'])).toBe(true)
    expect(isRecordAt(Config, ['servers', 'web', 'env'])).toBe(true)
    expect(isRecordAt(Config, ['servers', 'web', 'ready', 'http', 'headers'])).toBe(true)
    expect(isRecordAt(Config, ['servers', 'web', 'dependsOn'])).toBe(true)
    expect(isRecordAt(Config, [])).toBe(false)
    expect(isRecordAt(Config, ['servers', 'web'])).toBe(false)
    expect(isRecordAt(Config, ['roles'])).toBe(false)
    expect(isRecordAt(Config, ['servers', 'web', 'port'])).toBe(false)
    expect(isRecordAt(Config, ['nope'])).toBe(false)
  })

  it('schemasAt returns the very schema objects at a path, the ones the loader keys its words on', () => {
    const port = schemasAt(Config, ['servers', 'web', 'port'])
    expect(port).toHaveLength(1)
    expect(peel(port[0])).toBe(Port)
    expect(schemasAt(Config, ['servers', 'web', 'dependsOn'])).toEqual([DependsOn])
    expect(peel(schemasAt(Config, ['servers', 'web', 'startTimeout'])[0])).toBe(Duration)
    expect(schemasAt(Config, ['servers', 'web', 'nope'])).toEqual([])
  })

  it('a key inherited from Object.prototype is not a field of any schema', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(schemasAt(Config, ['servers', 'web', key])).toEqual([])
      expect(allowedKeysAt(Config, ['servers', 'web', key])).toEqual([])
      expect(isRecordAt(Config, [key])).toBe(false)
    }
  })
})

describe('on small schemas', () => {
  const inner = z.object({a: z.string(), b: z.number()})
  const other = z.object({c: z.boolean(), a: z.string()})

  it('every wrapper is looked through, nested in any order', () => {
    const wrapped = z.object({
      x: inner
        .optional()
        .nullable()
        .default(null)
        .transform((v) => v),
    })
    expect(allowedKeysAt(wrapped, ['x'])).toEqual(['a', 'b'])
    expect(allowedKeysAt(inner.refine(() => true).optional(), [])).toEqual(['a', 'b'])
  })

  it('a union of objects offers each key once, in branch order; a path goes into every branch that has it', () => {
    const u = z.union([inner, other, z.string()])
    expect(allowedKeysAt(u, [])).toEqual(['a', 'b', 'c'])
    expect(schemasAt(u, ['a'])).toHaveLength(2)
    expect(schemasAt(u, ['c'])).toEqual([other.shape.c])
  })

  it('records and arrays accept any key or index and lead to their value schema', () => {
    const s = z.object({m: z.record(inner), l: z.array(other)})
    expect(allowedKeysAt(s, ['m', 'whatever'])).toEqual(['a', 'b'])
    expect(allowedKeysAt(s, ['l', 0])).toEqual(['c', 'a'])
    expect(isRecordAt(s, ['m'])).toBe(true)
    expect(isRecordAt(s, ['l'])).toBe(false)
    expect(isRecordAt(z.object({u: z.union([z.string(), z.record(z.string()).optional()])}), ['u'])).toBe(true)
  })

  it('peel takes off exactly one wrapper, and nothing from a bare schema', () => {
    const base = z.string()
    const optional = base.optional()
    const nullable = base.nullable()
    const withDefault = optional.default('x')
    const effects = withDefault.transform((v) => v)
    expect(peel(effects)).toBe(withDefault)
    expect(peel(withDefault)).toBe(optional)
    expect(peel(optional)).toBe(base)
    expect(peel(nullable)).toBe(base)
    expect(peel(base)).toBeUndefined()
    expect(peel(inner)).toBeUndefined()
  })
})
