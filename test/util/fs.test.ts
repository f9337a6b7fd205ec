import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {addToGitignore, writeFileAtomic} from '../../src/util/fs.js'

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nac-fs-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

it('writeFileAtomic replaces the content with the given mode and leaves no temp file', () => {
  const file = path.join(dir, 'state.json')
  writeFileSync(file, 'old')
  writeFileAtomic(file, '{"new":true}', 0o600)
  writeFileAtomic(path.join(dir, 'bytes.bin'), new Uint8Array([1, 2, 3]))
  expect(readFileSync(file, 'utf8')).toBe('{"new":true}')
  expect(statSync(file).mode & 0o777).toBe(0o600)
  expect([...readFileSync(path.join(dir, 'bytes.bin'))]).toEqual([1, 2, 3])
  expect(readdirSync(dir).sort()).toEqual(['bytes.bin', 'state.json'])
  // Without the fsync (runtime state): the same content, mode and folder.
  writeFileAtomic(file, '{"newer":true}', 0o600, false)
  expect(readFileSync(file, 'utf8')).toBe('{"newer":true}')
  expect(statSync(file).mode & 0o777).toBe(0o600)
  expect(readdirSync(dir).sort()).toEqual(['bytes.bin', 'state.json'])
})

it('writeFileAtomic into a missing folder throws and leaves nothing', () => {
  expect(() => writeFileAtomic(path.join(dir, 'nope', 'f'), 'x')).toThrow(/ENOENT/)
  expect(readdirSync(dir)).toEqual([])
})

it('addToGitignore appends only the missing entries, once, under a comment', () => {
  const file = path.join(dir, '.gitignore')
  writeFileSync(file, 'node_modules\n.naaccord')
  expect(addToGitignore(dir, ['.naaccord/', 'node_modules', 'storage/'])).toEqual(['storage/'])
  expect(readFileSync(file, 'utf8')).toBe('node_modules\n.naaccord\n\n# naaccord\nstorage/\n')
  expect(addToGitignore(dir, ['storage/'])).toEqual([])
})

it('addToGitignore creates the file when there is none', () => {
  expect(addToGitignore(dir, ['.naaccord/'])).toEqual(['.naaccord/'])
  expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('# naaccord\n.naaccord/\n')
})
