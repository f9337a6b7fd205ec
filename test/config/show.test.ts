/** `naaccord config` output: no secret printed whole, wherever it was interpolated. */
import {describe, expect, it} from 'vitest'
import {maskedConfig} from '../../src/config/show.js'
import {loadText} from './helpers.js'

const KEY = 'the-internal-key-0123456789'
const PASSWORD = 'db-password-9876543210'
const TEXT = `project: p
apiKey: \${KEY}
env: {DB_PASSWORD: "\${PASSWORD}", DB_USER: naaccord, SHORT_TOKEN: abc}
servers:
  services:
    role: services
    command: naaccord
    args: [--key, "\${KEY}", "--db=mysql://naaccord:\${PASSWORD}@127.0.0.1/naaccord"]
    port: 8001
dependencies:
  db:
    image: mariadb:11
    env: {MYSQL_PASSWORD: "\${PASSWORD}"}
`

describe('maskedConfig', () => {
  const loaded = loadText(TEXT, {env: {KEY, PASSWORD}})
  const shown = maskedConfig(loaded) as {
    apiKey: unknown
    env: Record<string, string>
    servers: {services: {args: string[]; command: string}}
    dependencies: {db: {env: Record<string, string>}}
  }
  const text = JSON.stringify(shown)

  it('masks the key and secret-named values to their first 4 characters', () => {
    expect(shown.apiKey).toEqual({value: 'the-…'})
    expect(shown.env.DB_PASSWORD).toBe('db-p…')
    expect(shown.dependencies.db.env.MYSQL_PASSWORD).toBe('db-p…')
    // Short secrets show nothing at all.
    expect(shown.env.SHORT_TOKEN).toBe('…')
  })

  it('masks the same secrets where they were interpolated into other strings', () => {
    expect(shown.servers.services.args).toEqual(['--key', 'the-…', '--db=mysql://naaccord:db-p…@127.0.0.1/naaccord'])
    expect(text).not.toContain(KEY)
    expect(text).not.toContain(PASSWORD)
  })

  it('leaves everything else as it was', () => {
    expect(shown.env.DB_USER).toBe('naaccord')
    expect(shown.servers.services.command).toBe('naaccord')
    // The loaded config itself is untouched.
    expect(loaded.config.apiKey?.value).toBe(KEY)
  })
})
