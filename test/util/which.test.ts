/** which and isExecutableFile on real files in a temp folder: modes, folders, symlinks, PATH order. */
import {mkdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {isExecutableFile, which} from '../../src/util/which.js'
import {executable, tempDir} from '../helpers/index.js'

let dir = ''
let cleanup = () => {}
beforeEach(() => {
  ;({dir, cleanup} = tempDir('nac-which-'))
})
afterEach(() => cleanup())

const file = (rel: string, mode = 0o755) => executable(dir, rel, mode, '#!/bin/sh\n')

describe('isExecutableFile', () => {
  it('an executable file, or a symlink to one, is; a plain file, a folder, a missing or dangling path is not', () => {
    const exe = file('exe')
    symlinkSync(exe, path.join(dir, 'link'))
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'))
    mkdirSync(path.join(dir, 'folder'))
    expect(isExecutableFile(exe)).toBe(true)
    expect(isExecutableFile(path.join(dir, 'link'))).toBe(true)
    expect(isExecutableFile(file('plain', 0o644))).toBe(false)
    expect(isExecutableFile(path.join(dir, 'folder'))).toBe(false)
    expect(isExecutableFile(path.join(dir, 'gone'))).toBe(false)
    expect(isExecutableFile(path.join(dir, 'dangling'))).toBe(false)
  })
})

describe('which', () => {
  it('takes the first executable match in PATH order, passing over plain files and folders of that name', () => {
    const a = path.join(dir, 'a')
    const b = path.join(dir, 'b')
    const c = path.join(dir, 'c')
    const d = path.join(dir, 'd')
    file('a/tool', 0o644)
    mkdirSync(path.join(b, 'tool'), {recursive: true})
    const inC = file('c/tool')
    file('d/tool')
    expect(which('tool', [a, b, c, d].join(path.delimiter), '/')).toBe(inC)
    expect(which('tool', [d, c].join(path.delimiter), '/')).toBe(path.join(d, 'tool'))
    expect(which('none', [a, b, c, d].join(path.delimiter), '/')).toBeUndefined()
  })

  it('an empty PATH entry is skipped, not taken as the working folder; no PATH finds nothing', () => {
    file('tool')
    const before = process.cwd()
    process.chdir(dir)
    try {
      expect(which('tool', `${path.delimiter}${path.join(dir, 'x')}${path.delimiter}`, dir)).toBeUndefined()
    } finally {
      process.chdir(before)
    }
    expect(which('tool', undefined, dir)).toBeUndefined()
    expect(which('tool', '', dir)).toBeUndefined()
  })

  it('a command with a slash is a path: relative to cwd, never looked up on PATH', () => {
    const exe = file('bin/run')
    file('other/bin/run')
    expect(which('bin/run', path.join(dir, 'other'), dir)).toBe(exe)
    expect(which('./bin/run', undefined, dir)).toBe(exe)
    expect(which('../bin/run', undefined, path.join(dir, 'other'))).toBe(exe)
    expect(which(exe, undefined, '/')).toBe(exe)
    expect(which('bin/plain', path.join(dir, 'bin'), dir)).toBeUndefined()
    file('bin/plain', 0o644)
    expect(which('bin/plain', undefined, dir)).toBeUndefined()
    expect(which('./bin', undefined, dir)).toBeUndefined()
  })

  it('finds sh on this machine’s PATH', () => {
    expect(which('sh', process.env.PATH, dir)).toMatch(/\/sh$/)
  })
})
