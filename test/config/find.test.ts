/** findConfigFile on its own: --config, NAACCORD_CONFIG, the walk up from cwd, and what each failure says. */
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {ConfigError, type ConfigIssue} from '../../src/config/errors.js'
import {CONFIG_FILE, findConfigFile, STATE_DIR} from '../../src/config/find.js'
import {repoRoot, tempDir} from '../helpers/index.js'

let dir = ''
let cleanup = () => {}
beforeEach(() => {
  ;({dir, cleanup} = tempDir('nac-find-'))
})
afterEach(() => cleanup())

function file(rel: string, text = 'project: p\n'): string {
  const full = path.join(dir, rel)
  mkdirSync(path.dirname(full), {recursive: true})
  writeFileSync(full, text)
  return full
}

function issuesOf(fn: () => unknown): ConfigIssue[] {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(ConfigError)
  return (caught as ConfigError).issues
}

it('names the file and the state folder the rest of the code relies on', () => {
  expect(CONFIG_FILE).toBe('naaccord.config.yaml')
  expect(STATE_DIR).toBe('.naaccord')
})

it('the nearest naaccord.config.yaml above cwd wins over one further up', () => {
  const outer = file(CONFIG_FILE)
  const inner = file(path.join('app', CONFIG_FILE))
  const deep = path.join(dir, 'app', 'src', 'x')
  mkdirSync(deep, {recursive: true})
  expect(findConfigFile({cwd: deep, env: {}})).toBe(inner)
  expect(findConfigFile({cwd: path.join(dir, 'app'), env: {}})).toBe(inner)
  expect(findConfigFile({cwd: dir, env: {}})).toBe(outer)
})

it('a relative cwd is resolved before walking up', () => {
  const cfg = file(CONFIG_FILE)
  mkdirSync(path.join(dir, 'sub'))
  const relative = path.relative(process.cwd(), path.join(dir, 'sub'))
  expect(findConfigFile({cwd: relative, env: {}})).toBe(cfg)
})

it('a dangling symlink named naaccord.config.yaml is skipped on the way up', () => {
  const cfg = file(CONFIG_FILE)
  mkdirSync(path.join(dir, 'sub'))
  symlinkSync(path.join(dir, 'missing.yaml'), path.join(dir, 'sub', CONFIG_FILE))
  expect(findConfigFile({cwd: path.join(dir, 'sub'), env: {}})).toBe(cfg)
})

it('--config and NAACCORD_CONFIG resolve against cwd, need not be named naaccord.config.yaml, and skip the walk', () => {
  file(CONFIG_FILE)
  const other = file(path.join('conf', 'dev.yaml'))
  expect(findConfigFile({cwd: dir, configPath: 'conf/dev.yaml', env: {}})).toBe(other)
  expect(findConfigFile({cwd: dir, env: {NAACCORD_CONFIG: 'conf/dev.yaml'}})).toBe(other)
  expect(findConfigFile({cwd: path.join(dir, 'conf'), env: {NAACCORD_CONFIG: other}})).toBe(other)
})

it('--config wins over NAACCORD_CONFIG, even when the variable names a missing file', () => {
  const cfg = file(CONFIG_FILE)
  expect(findConfigFile({cwd: dir, configPath: CONFIG_FILE, env: {NAACCORD_CONFIG: 'gone.yaml'}})).toBe(cfg)
})

it('an empty NAACCORD_CONFIG counts as unset: the walk finds the file', () => {
  const cfg = file(CONFIG_FILE)
  expect(findConfigFile({cwd: dir, env: {NAACCORD_CONFIG: ''}})).toBe(cfg)
})

it('without options it reads process.env, then walks up from process.cwd()', () => {
  const cfg = file(CONFIG_FILE)
  const before = process.env.NAACCORD_CONFIG
  try {
    process.env.NAACCORD_CONFIG = cfg
    expect(findConfigFile()).toBe(cfg)
    delete process.env.NAACCORD_CONFIG
    // The suite runs in the repository, whose own naaccord.config.yaml is the nearest.
    expect(findConfigFile()).toBe(path.join(repoRoot, CONFIG_FILE))
  } finally {
    if (before === undefined) delete process.env.NAACCORD_CONFIG
    else process.env.NAACCORD_CONFIG = before
  }
})

it('a missing explicit file is one issue at its absolute path, naming where the path came from', () => {
  expect(issuesOf(() => findConfigFile({cwd: dir, configPath: 'a.yaml', env: {}}))).toEqual([
    {file: path.join(dir, 'a.yaml'), path: '', message: 'no such file (from --config)'},
  ])
  expect(issuesOf(() => findConfigFile({cwd: dir, env: {NAACCORD_CONFIG: 'b.yaml'}}))).toEqual([
    {file: path.join(dir, 'b.yaml'), path: '', message: 'no such file (from NAACCORD_CONFIG)'},
  ])
})

it('a folder given as the config names the file inside it to pass instead', () => {
  mkdirSync(path.join(dir, 'proj'))
  expect(issuesOf(() => findConfigFile({cwd: dir, env: {NAACCORD_CONFIG: 'proj'}}))).toEqual([
    {
      file: path.join(dir, 'proj'),
      path: '',
      message: `is a directory, not a config file (from NAACCORD_CONFIG); pass ${path.join(dir, 'proj', CONFIG_FILE)}`,
    },
  ])
})

it('nothing found is one issue at cwd/naaccord.config.yaml saying how to get one', () => {
  // A folder of the same name on the way up is not a config either.
  mkdirSync(path.join(dir, CONFIG_FILE))
  const issues = issuesOf(() => findConfigFile({cwd: dir, env: {}}))
  expect(issues).toEqual([
    {
      file: path.join(dir, CONFIG_FILE),
      path: '',
      message: `no ${CONFIG_FILE} here or in any parent folder; run \`naaccord init\` to write one, or pass --config FILE`,
    },
  ])
})
