/** Config errors found by the chaos round (issue #14): nothing hides the rest of the file, and every field is named. */
import {describe, expect, it} from 'vitest'
import {at, BASE, errorsFor} from './helpers.js'

const CFG = 'naaccord.config.yaml'

describe('config errors are all reported at once', () => {
  it('an unset required variable (VAR:?) does not hide the other errors of the file', () => {
    const text = `${BASE.replace('apiKey: k0123456789', `apiKey: \${API_KEY:?set the depot key}`)}    bogus: 1\n`
    const errors = errorsFor(text)
    expect(errors).toEqual([
      `${at(CFG, text, `\${API_KEY`)} apiKey: API_KEY is required: set the depot key`,
      expect.stringMatching(/^naaccord\.config\.yaml:13:5 servers\.web\.bogus: unknown key/),
    ])
  })

  it('the value that could not be interpolated is reported once, not again by the schema', () => {
    const text = BASE.replace('port: 8000', `port: \${WEB_PORT:?}`)
    const errors = errorsFor(text)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/servers\.web\.port: WEB_PORT is required/)
  })
})

describe('the storage root', () => {
  it('an unset variable for storage is an error naming the field, not the project root', () => {
    const text = `${BASE}storage: \${STORAGE_ROOT}\n`
    expect(errorsFor(text)).toEqual([
      `${at(CFG, text, `\${STORAGE_ROOT}`)} storage: must not be empty: it names the services storage root (e.g. storage/workspace) (written as "\${STORAGE_ROOT}")`,
    ])
  })

  it('a storage root that is the project root itself is refused', () => {
    for (const value of ['.', './', 'x/..']) {
      const text = `${BASE}storage: ${value}\n`
      const [error, ...rest] = errorsFor(text)
      expect(rest).toEqual([])
      expect(error).toMatch(/^naaccord\.config\.yaml:\d+:10 storage: resolves to the project root itself/)
    }
  })
})

describe('line:col where one exists', () => {
  it('a file holding only a null value is empty, located at that value', () => {
    expect(errorsFor('~\n')).toEqual([`${CFG}:1:1: the file is empty; run \`naaccord init\` for a starting point`])
    expect(errorsFor('# a comment\nnull\n')).toEqual([
      `${CFG}:2:1: the file is empty; run \`naaccord init\` for a starting point`,
    ])
  })
})
