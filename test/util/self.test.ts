/**
 * selfCommand: the pinned entry, the sources (this suite runs src/ through vitest), and the build, whose compiled
 * module is copied into throw-away package folders with and without dist/commands. The commands it gives are run.
 */
import {copyFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {execa} from 'execa'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {packageRoot, selfCommand} from '../../src/util/self.js'
import {repoRoot, tempDir} from '../helpers/index.js'

const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string
const tsxArgs = ['--import', 'tsx', '--no-warnings']

let pinned: string | undefined
beforeEach(() => {
  pinned = process.env.NAACCORD_SELF_BIN
})
afterEach(() => {
  if (pinned === undefined) delete process.env.NAACCORD_SELF_BIN
  else process.env.NAACCORD_SELF_BIN = pinned
})

async function run(cmd: {file: string; args: string[]}) {
  const r = await execa(cmd.file, [...cmd.args, '--version'], {cwd: repoRoot, reject: false, env: {NO_COLOR: '1'}})
  return {exitCode: r.exitCode, stdout: String(r.stdout)}
}

it('the package root is the folder holding package.json and bin/', () => {
  expect(packageRoot).toBe(repoRoot)
})

describe('pinned by NAACCORD_SELF_BIN', () => {
  it('a built entry runs under this node as is, and answers --version', async () => {
    const entry = path.join(repoRoot, 'bin', 'run.js')
    process.env.NAACCORD_SELF_BIN = entry
    const cmd = selfCommand()
    expect(cmd).toEqual({file: process.execPath, args: [entry]})
    const r = await run(cmd)
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain(`naaccord/${version}`)
  })

  it('bin/dev.js runs through tsx, and answers --version', async () => {
    const entry = path.join(repoRoot, 'bin', 'dev.js')
    process.env.NAACCORD_SELF_BIN = entry
    const cmd = selfCommand()
    expect(cmd).toEqual({file: process.execPath, args: [...tsxArgs, entry]})
    const r = await run(cmd)
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain(`naaccord/${version}`)
  })
})

describe('not pinned', () => {
  beforeEach(() => {
    delete process.env.NAACCORD_SELF_BIN
  })

  it('from the sources (as here: vitest loads src/*.ts) it is bin/dev.js through tsx, even with a build present', () => {
    expect(selfCommand()).toEqual({file: process.execPath, args: [...tsxArgs, path.join(repoRoot, 'bin', 'dev.js')]})
  })

  describe('from the build', () => {
    let dir = ''
    let cleanup = () => {}
    beforeEach(() => {
      ;({dir, cleanup} = tempDir('nac-self-'))
    })
    afterEach(() => cleanup())

    /** A package folder holding the compiled self.js (and dist/commands when asked); its selfCommand(). */
    async function builtIn(root: string, withCommands: boolean) {
      mkdirSync(path.join(root, 'dist', 'util'), {recursive: true})
      if (withCommands) mkdirSync(path.join(root, 'dist', 'commands'))
      const file = path.join(root, 'dist', 'util', 'self.js')
      for (const name of ['self.js', 'self.js.map']) {
        const from = path.join(repoRoot, 'dist', 'util', name)
        if (existsSync(from)) copyFileSync(from, path.join(root, 'dist', 'util', name))
      }
      const mod = (await import(pathToFileURL(file).href)) as typeof import('../../src/util/self.js')
      return {root: mod.packageRoot, cmd: mod.selfCommand()}
    }

    it('with dist/commands it is bin/run.js of that package', async () => {
      const built = await builtIn(path.join(dir, 'with'), true)
      expect(built.root).toBe(path.join(dir, 'with'))
      expect(built.cmd).toEqual({file: process.execPath, args: [path.join(dir, 'with', 'bin', 'run.js')]})
    })

    it('without dist/commands (a half build) it falls back to bin/dev.js through tsx', async () => {
      const built = await builtIn(path.join(dir, 'half'), false)
      expect(built.cmd).toEqual({file: process.execPath, args: [...tsxArgs, path.join(dir, 'half', 'bin', 'dev.js')]})
    })

    it('the repository’s own build gives bin/run.js, which answers --version', async () => {
      const mod = (await import(
        pathToFileURL(path.join(repoRoot, 'dist', 'util', 'self.js')).href
      )) as typeof import('../../src/util/self.js')
      const cmd = mod.selfCommand()
      expect(cmd).toEqual({file: process.execPath, args: [path.join(repoRoot, 'bin', 'run.js')]})
      expect(await run(cmd)).toMatchObject({exitCode: 0, stdout: expect.stringContaining(`naaccord/${version}`)})
    })
  })
})
