/** `naaccord init`: both templates, never overwriting without --force, .gitignore entries added once. */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {repoRoot, runCli, tempDir} from '../helpers/index.js'

const inherited = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !['NAACCORD_CONFIG', 'NAACCORD_PROFILES'].includes(k)),
)
async function cli(args: string[], cwd: string) {
  const r = await runCli(args, {cwd, extendEnv: false, env: {...inherited, NO_COLOR: '1'}})
  return {exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all)}
}
const template = (name: string) => readFileSync(path.join(repoRoot, 'templates', `${name}.config.yaml`), 'utf8')
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8')
const ENTRIES = ['naaccord.local.yaml', '.naaccord/', 'storage/']

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})
function folder() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return t.dir
}

describe('naaccord init', () => {
  it('writes the depot template by default, and .gitignore; the result validates', async () => {
    const dir = folder()
    const r = await cli(['init'], dir)
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('✓ wrote naaccord.config.yaml (template depot)')
    expect(r.stdout).toContain('✓ .gitignore: added naaccord.local.yaml, .naaccord/, storage/')
    expect(read(dir, 'naaccord.config.yaml')).toBe(template('depot'))
    expect(read(dir, '.gitignore')).toBe(`# naaccord\n${ENTRIES.join('\n')}\n`)
    const validate = await cli(['config', 'validate'], dir)
    expect(validate.exitCode, validate.all).toBe(0)
  })

  it('refuses to overwrite without --force, and leaves the file as it was', async () => {
    const dir = folder()
    writeFileSync(path.join(dir, 'naaccord.config.yaml'), 'project: mine\n')
    const r = await cli(['init', '--template', 'builtin'], dir)
    expect(r.exitCode).toBe(1)
    // oclif wraps error lines (` ›   ` prefixes): compare the words.
    const words = r.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
    expect(words).toContain(`${path.join(dir, 'naaccord.config.yaml')} already exists; pass --force to overwrite it`)
    expect(read(dir, 'naaccord.config.yaml')).toBe('project: mine\n')
  })

  it('--force overwrites with the builtin template; .gitignore entries are added once', async () => {
    const dir = folder()
    expect((await cli(['init'], dir)).exitCode).toBe(0)
    const r = await cli(['init', '--template', 'builtin', '--force'], dir)
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('(template builtin)')
    expect(r.stdout).not.toContain('.gitignore: added')
    expect(read(dir, 'naaccord.config.yaml')).toBe(template('builtin'))
    const lines = read(dir, '.gitignore').split('\n')
    for (const entry of ENTRIES)
      expect(
        lines.filter((l) => l === entry),
        entry,
      ).toHaveLength(1)
  })

  it('keeps an existing .gitignore and adds only what it lacks (any spelling of the same entry counts)', async () => {
    const dir = folder()
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n/naaccord.local.yaml\nstorage')
    const r = await cli(['init', '--dir', dir], folder())
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('✓ .gitignore: added .naaccord/')
    expect(read(dir, '.gitignore')).toBe('node_modules/\n/naaccord.local.yaml\nstorage\n\n# naaccord\n.naaccord/\n')
    expect(read(dir, 'naaccord.config.yaml')).toBe(template('depot'))
  })

  it('an unknown template is refused with the choices', async () => {
    const dir = folder()
    const r = await cli(['init', '--template', 'django'], dir)
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(/depot.*builtin|builtin.*depot/s)
  })

  it('a --dir that does not exist is a one-line error naming it, and nothing is written', async () => {
    const dir = folder()
    const missing = path.join(dir, 'not-here')
    const r = await cli(['init', '--dir', missing], dir)
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain(`--dir ${missing}: no such folder`)
    expect(r.stderr).not.toMatch(/ENOENT|at .*\.js/)
  })
})
