/** `naaccord config`, `naaccord config validate`, `--help` and `--version` through the built CLI. */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {at} from '../config/helpers.js'
import {repoRoot, runCli, tempDir, tempProject} from '../helpers/index.js'

const KEY = 'sekrit-internal-key-0123456789'
const DB_PASSWORD = 'db-password-not-for-eyes'
const CONFIG = `project: p
apiKey: \${KEY:?set KEY}
env: {DB_PASSWORD: "\${DB_PASSWORD}", PLAIN: visible-value}
servers:
  services: {role: services, command: naaccord, port: 8001}
  web: {role: web, command: naaccord, port: 8000, dependsOn: {services: ready}}
`
const DOTENV = `KEY=${KEY}\nDB_PASSWORD=${DB_PASSWORD}\n`

/**
 * The CLI with the variables these tests use taken out of the inherited environment: an empty variable that is
 * set still wins over .env (as in docker compose), so they must be absent, not empty.
 */
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !['KEY', 'DB_PASSWORD', 'NAACCORD_CONFIG', 'NAACCORD_PROFILES'].includes(k),
  ),
)
async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = await runCli(args, {cwd, extendEnv: false, env: {...inherited, NO_COLOR: '1', ...env}})
  return {exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all)}
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})
function project(yaml: string, files: Record<string, string> = {}) {
  const p = tempProject(yaml, files)
  cleanups.push(p.cleanup)
  return p.dir
}

describe('naaccord --help and --version', () => {
  it('--help lists the commands and topics', async () => {
    const r = await cli(['--help'], repoRoot)
    expect(r.exitCode).toBe(0)
    for (const word of ['config', 'init', 'serve', 'doctor'])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${word}\\s`, 'm'))
    const sub = await cli(['config', '--help'], repoRoot)
    expect(sub.stdout).toContain('config validate')
    expect(sub.stdout).toContain('--json')
  })

  it('--version prints the package version', async () => {
    const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version
    const r = await cli(['--version'], repoRoot)
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain(`naaccord/${version}`)
  })
})

describe('naaccord config', () => {
  it('prints the resolved config as YAML with secrets masked (first 4 characters)', async () => {
    const dir = project(CONFIG, {'.env': DOTENV})
    const r = await cli(['config'], dir)
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain(`# ${path.join(dir, 'naaccord.config.yaml')}`)
    expect(r.stdout).toContain(`value: ${KEY.slice(0, 4)}…`)
    expect(r.stdout).toContain(`DB_PASSWORD: ${DB_PASSWORD.slice(0, 4)}…`)
    expect(r.stdout).toContain('PLAIN: visible-value')
    // Defaults are made explicit.
    expect(r.stdout).toContain('startTimeout: 60000')
    expect(r.all).not.toContain(KEY)
    expect(r.all).not.toContain(DB_PASSWORD)
  })

  it('--json masks the key too, and lists the sources with the overlay', async () => {
    const dir = project(CONFIG, {'.env': DOTENV, 'naaccord.local.yaml': 'servers:\n  web: {port: 9000}\n'})
    const r = await cli(['config', '--json'], dir)
    expect(r.exitCode, r.all).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.sources).toEqual([path.join(dir, 'naaccord.config.yaml'), path.join(dir, 'naaccord.local.yaml')])
    expect(out.config.apiKey).toEqual({value: `${KEY.slice(0, 4)}…`})
    expect(out.config.env.DB_PASSWORD).toBe(`${DB_PASSWORD.slice(0, 4)}…`)
    expect(out.config.servers.web.port).toBe(9000)
    expect(r.all).not.toContain(KEY)
    const noLocal = JSON.parse((await cli(['config', '--json', '--no-local'], dir)).stdout)
    expect(noLocal.config.servers.web.port).toBe(8000)
  })

  it('the environment wins over .env, and --config finds a file elsewhere', async () => {
    const dir = project('', {'.env': DOTENV})
    mkdirSync(path.join(dir, 'conf'))
    writeFileSync(path.join(dir, 'conf', 'naaccord.config.yaml'), CONFIG)
    const r = await cli(['config', '--json', '--config', 'conf/naaccord.config.yaml'], dir, {
      KEY: 'from-environment-key',
    })
    expect(r.exitCode, r.all).toBe(0)
    expect(JSON.parse(r.stdout).config.apiKey.value).toBe('from…')
  })

  it('a broken config: located message on stderr, exit 1', async () => {
    const text = CONFIG.replace('port: 8000', 'port: "80a"')
    const dir = project(text, {'.env': DOTENV})
    const r = await cli(['config'], dir)
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('✗ naaccord: the config has a problem:')
    expect(r.stderr).toContain(
      `${at(path.join(dir, 'naaccord.config.yaml'), text, '"80a"')} servers.web.port: expected a number from 1 to 65535, got "80a"`,
    )
  })
})

describe('naaccord config validate', () => {
  it('exit 0 and one line for a valid config', async () => {
    const dir = project(CONFIG, {'.env': DOTENV})
    const r = await cli(['config', 'validate'], dir)
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout.trim()).toBe(`✓ ${path.join(dir, 'naaccord.config.yaml')} is valid`)
    const json = await cli(['config', 'validate', '--json'], dir)
    expect(JSON.parse(json.stdout)).toEqual({valid: true, files: [path.join(dir, 'naaccord.config.yaml')], issues: []})
  })

  it('exit 1 with every problem, each located, in the overlay when it comes from there', async () => {
    const text = CONFIG.replace('role: web', 'role: webb')
    const dir = project(text, {
      '.env': DOTENV,
      'naaccord.local.yaml': 'servers:\n  services:\n    prot: 1\n',
    })
    const r = await cli(['config', 'validate'], dir)
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('the config has 2 problems')
    expect(r.stderr).toContain(
      `${at('naaccord.config.yaml', text, 'webb')} servers.web.role: expected one of web, services, got "webb"; did you mean "web"?`,
    )
    expect(r.stderr).toContain('naaccord.local.yaml:3:5 servers.services.prot: unknown key; did you mean "port"?')
    const json = await cli(['config', 'validate', '--json'], dir)
    expect(json.exitCode).toBe(1)
    const out = JSON.parse(json.stdout)
    expect(out.valid).toBe(false)
    expect(out.issues).toContainEqual({
      file: path.join(dir, 'naaccord.local.yaml'),
      line: 3,
      column: 5,
      path: 'servers.services.prot',
      message: 'unknown key; did you mean "port"?',
    })
  })

  it('exit 1 for a missing required variable, a directory as --config, and no config at all', async () => {
    const dir = project(CONFIG)
    const missing = await cli(['config', 'validate'], dir)
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('naaccord.config.yaml:2:9 apiKey: KEY is required: set KEY')
    const asDir = await cli(['config', 'validate', '--config', dir], dir)
    expect(asDir.exitCode).toBe(1)
    expect(asDir.stderr).toContain('is a directory, not a config file (from --config)')
    const empty = tempDir()
    cleanups.push(empty.cleanup)
    const none = await cli(['config', 'validate'], empty.dir)
    expect(none.exitCode).toBe(1)
    expect(none.stderr).toContain('run `naaccord init`')
  })
})
