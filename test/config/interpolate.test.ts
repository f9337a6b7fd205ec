/** biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} interpolation syntax under test */
/** ${VAR}, ${VAR:-default}, ${VAR:?message}, $$, and where the values come from (.env, the environment). */
import {describe, expect, it} from 'vitest'
import {interpolateString, interpolateValue} from '../../src/config/interpolate.js'
import {at, BASE, CFG, errorsFor, LOCAL, loadText} from './helpers.js'

function interp(input: string, vars: Record<string, string | undefined>) {
  const errors: string[] = []
  const out = interpolateString(input, vars, (m) => errors.push(m))
  return {out, errors}
}

describe('interpolateString', () => {
  it('${VAR} is the value, or empty when unset', () => {
    expect(interp('a-${X}-b', {X: '1'})).toEqual({out: 'a-1-b', errors: []})
    expect(interp('a-${X}-b', {})).toEqual({out: 'a--b', errors: []})
  })

  it('${VAR:-default} uses the default when unset or empty; ${VAR-default} only when unset', () => {
    expect(interp('${X:-d}', {}).out).toBe('d')
    expect(interp('${X:-d}', {X: ''}).out).toBe('d')
    expect(interp('${X:-d}', {X: 'v'}).out).toBe('v')
    expect(interp('${X-d}', {X: ''}).out).toBe('')
    expect(interp('${X-d}', {}).out).toBe('d')
  })

  it('defaults may themselves be interpolated, and may be empty', () => {
    expect(interp('${X:-${Y}}', {Y: 'y'}).out).toBe('y')
    expect(interp('${X:-${Y:-z}}', {}).out).toBe('z')
    expect(interp('${X:-}', {}).out).toBe('')
  })

  it('${VAR:?message} fails with the message when unset or empty; ${VAR?} only when unset', () => {
    expect(interp('${X:?set X to the key}', {})).toEqual({out: '', errors: ['X is required: set X to the key']})
    expect(interp('${X:?}', {X: ''}).errors).toEqual(['X is required: set X in the environment or in .env'])
    expect(interp('${X?}', {X: ''})).toEqual({out: '', errors: []})
    expect(interp('${X:?m}', {X: 'v'})).toEqual({out: 'v', errors: []})
  })

  it('$$ is a literal $, and stops interpolation', () => {
    expect(interp('cost $$5', {}).out).toBe('cost $5')
    expect(interp('$${X}', {X: 'no'}).out).toBe('${X}')
    expect(interp('$$$${X}', {X: 'v'}).out).toBe('$${X}')
    expect(interp('$X and $ alone', {X: 'v'}).out).toBe('$X and $ alone')
  })

  it('malformed references are errors that say the accepted forms', () => {
    for (const bad of ['${}', '${1X}', '${X', '${X Y}']) {
      const {errors} = interp(bad, {X: 'v'})
      expect(errors, bad).toHaveLength(1)
      expect(errors[0]).toContain('expected ${NAME}, ${NAME:-default} or ${NAME:?message}')
    }
  })

  it('interpolateValue reaches strings in maps and lists, never keys, and reports paths', () => {
    const errors: {path: (string | number)[]; message: string}[] = []
    const out = interpolateValue({'${K}': ['${A}', {b: '${B:?}'}], n: 5}, {A: 'a', K: 'k'}, errors)
    expect(out).toEqual({'${K}': ['a', {b: ''}], n: 5})
    expect(errors).toEqual([{path: ['${K}', 1, 'b'], message: 'B is required: set B in the environment or in .env'}])
  })
})

describe('interpolation in the loader', () => {
  const text = BASE.replace('port: 8000', 'port: ${WEB_PORT:-8000}').replace('k0123456789', '${KEY}')

  it('.env beside the config provides values', () => {
    const loaded = loadText(text, {files: {'.env': 'WEB_PORT=9100\nKEY=from-dotenv-key\n'}})
    expect(loaded.config.servers.web.port).toBe(9100)
    expect(loaded.config.apiKey?.value).toBe('from-dotenv-key')
    expect(loaded.dotenv).toEqual({WEB_PORT: '9100', KEY: 'from-dotenv-key'})
  })

  it('the environment wins over .env', () => {
    const loaded = loadText(text, {files: {'.env': 'WEB_PORT=9100\nKEY=dotenv'}, env: {WEB_PORT: '9200'}})
    expect(loaded.config.servers.web.port).toBe(9200)
    expect(loaded.config.apiKey?.value).toBe('dotenv')
    expect(loaded.vars.WEB_PORT).toBe('9200')
  })

  it('defaults apply when neither has the variable', () => {
    expect(loadText(text).config.servers.web.port).toBe(8000)
  })

  it('$$ survives into the config as one $', () => {
    const loaded = loadText(`${BASE}    env: {PRICE: "$$5", REF: "$\${HOME}"}\n`, {env: {HOME: '/h'}})
    expect(loaded.config.servers.web.env).toEqual({PRICE: '$5', REF: '${HOME}'})
  })

  it('a missing ${VAR:?} is located at the value that needs it', () => {
    const t = BASE.replace('k0123456789', '${KEY:?set KEY to the shared secret}')
    expect(errorsFor(t)).toEqual([`${at(CFG, t, '${KEY')} apiKey: KEY is required: set KEY to the shared secret`])
    expect(errorsFor(t, {files: {'.env': 'KEY=\n'}})).toHaveLength(1)
    expect(loadText(t, {files: {'.env': 'KEY=abc\n'}}).config.apiKey?.value).toBe('abc')
  })

  it('every missing variable is reported at once, in the overlay when it comes from there', () => {
    const local = 'servers:\n  web:\n    env: {TOKEN: "${TOKEN:?}"}\n'
    const t = BASE.replace('k0123456789', '${KEY:?}')
    expect(errorsFor(t, {files: {[LOCAL]: local}})).toEqual([
      `${at(CFG, t, '${KEY')} apiKey: KEY is required: set KEY in the environment or in .env`,
      `${at(LOCAL, local, '"${TOKEN')} servers.web.env.TOKEN: TOKEN is required: set TOKEN in the environment or in .env`,
    ])
  })

  it('an interpolated value is validated after interpolation, at the line of the reference', () => {
    const t = BASE.replace('port: 8000', 'port: ${WEB_PORT}')
    expect(errorsFor(t, {env: {WEB_PORT: '80a'}})).toEqual([
      `${at(CFG, t, '${WEB_PORT}')} servers.web.port: expected a number from 1 to 65535, got "80a" (written as "\${WEB_PORT}")`,
    ])
  })

  it('an unset variable explains an empty value by showing what was written', () => {
    const t = BASE.replace('port: 8000', 'port: ${WEB_PORT}')
    expect(errorsFor(t)).toEqual([
      `${at(CFG, t, '${WEB_PORT}')} servers.web.port: expected a number from 1 to 65535, got "" (written as "\${WEB_PORT}")`,
    ])
    // A literal value says nothing more.
    expect(errorsFor(BASE.replace('port: 8000', 'port: "80a"'))[0]).toMatch(/got "80a"$/)
  })
})
