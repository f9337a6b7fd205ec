/**
 * Path traversal and other hostile input: every one refused with 400 naming the field, through services and
 * through web, and nothing created or removed outside the storage root (or inside it); no error body names an
 * absolute server path (limits.test.ts scans its own the same way).
 */
import {existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {internal, type Pair, serverPathsIn, startPair, tree} from './helpers.js'

let pair: Pair
let outside: string
let canary: string
beforeAll(async () => {
  pair = await startPair()
  // A folder beside the storage root, with a file that must survive everything below.
  outside = path.join(pair.dir, 'outside')
  mkdirSync(outside)
  canary = path.join(outside, 'canary.txt')
  writeFileSync(canary, 'still here')
  const uploads = path.join(pair.root, 'uploads')
  symlinkSync(outside, path.join(uploads, 'evil'))
  symlinkSync(path.join(pair.dir, 'does-not-exist', 'x'), path.join(uploads, 'dangle'))
  symlinkSync(path.join(pair.dir, 'storage'), path.join(uploads, 'up'))
})
afterAll(async () => {
  await pair?.close()
})

type Case = {route: string; kind: 'form' | 'get' | 'json'; input: Record<string, unknown>; field: RegExp}
const F = (route: string, input: Record<string, unknown>, field = /path/) =>
  ({route, kind: 'form', input, field}) as Case
const G = (route: string, input: Record<string, unknown>, field = /path/) =>
  ({route, kind: 'get', input, field}) as Case
const J = (route: string, input: Record<string, unknown>, field = /path/) =>
  ({route, kind: 'json', input, field}) as Case

function cases(): Case[] {
  const abs = path.join(outside, 'x.txt')
  return [
    F('upload', {path: '../escape.txt'}),
    F('upload', {path: '../../escape.txt'}),
    F('upload', {path: 'a/b/../../../escape.txt'}),
    F('upload', {path: '/etc/naaccord-escape.txt'}),
    F('upload', {path: abs}),
    F('upload', {path: 'a\0b.txt'}),
    F('upload', {path: '.'}),
    F('upload', {path: 'uploads/'}),
    F('upload', {path: 'a/..'}),
    F('upload', {path: 'evil/x.txt'}),
    F('upload', {path: 'dangle'}),
    F('upload', {path: 'up/escape.txt'}),
    F('upload', {path: 'x.txt', disk: '../uploads'}, /disk/),
    G('download', {path: '../../../etc/passwd'}),
    G('download', {path: '../../outside/canary.txt', disk: 'uploads'}),
    G('download', {path: 'evil/canary.txt', disk: 'uploads'}),
    G('download', {path: 'x\0.txt', disk: 'uploads'}),
    G('download', {path: canary, disk: 'uploads'}),
    G('exists', {path: '../outside'}),
    G('exists', {path: '/etc/passwd'}),
    G('metadata', {path: '../../outside/canary.txt'}),
    G('metadata', {path: 'evil/canary.txt'}),
    J('delete', {path: '../../outside/canary.txt', disk: 'uploads'}),
    J('delete', {path: canary, disk: 'uploads'}),
    J('delete', {path: 'evil/canary.txt', disk: 'uploads'}),
    J('delete', {path: 'canary\0.txt', disk: 'uploads'}),
    J('delete', {path: 42, disk: 'uploads'}),
    J('delete', {path: 'x.txt', disk: 'nowhere'}, /disk/),
    J('delete_prefix', {prefix: ''}, /prefix/i),
    J('delete_prefix', {prefix: '.'}, /prefix/),
    J('delete_prefix', {prefix: 'uploads/'}, /prefix/),
    J('delete_prefix', {prefix: 'a/..'}, /prefix/),
    J('delete_prefix', {prefix: '../'}, /prefix/),
    J('delete_prefix', {prefix: '../outside'}, /prefix/),
    J('delete_prefix', {prefix: 'evil/'}, /prefix/),
    J('delete_prefix', {prefix: '/'}, /prefix/),
    G('list', {prefix: '../'}, /prefix/),
    G('list', {prefix: '/etc'}, /prefix/),
    G('list', {prefix: 'evil/'}, /prefix/),
    F('upload_chunked', {action: 'init', path: '../escape.bin'}),
    F('upload_chunked', {action: 'init', path: 'evil/escape.bin'}),
    F('upload_chunked', {action: 'chunk', upload_id: '../../etc', chunk_num: '0'}, /upload_id/),
    F('upload_chunked', {action: 'chunk', upload_id: 'not-a-uuid', chunk_num: '0'}, /upload_id/),
    F(
      'upload_chunked',
      {action: 'complete', upload_id: '00000000-0000-4000-8000-00000000000/', total_chunks: '1'},
      /upload_id/,
    ),
    F(
      'upload_chunked',
      {action: 'complete', upload_id: '00000000-0000-4000-8000-000000000000', total_chunks: '-1'},
      /total_chunks/,
    ),
  ]
}

describe.each([
  ['services', () => pair.services.url],
  ['web', () => pair.web.url],
])('hostile input through %s', (_label, base) => {
  it('refuses every case with 400 naming the field, creating and removing nothing', async () => {
    const api = internal(base())
    const storageBefore = tree(path.join(pair.dir, 'storage'))
    const outsideBefore = tree(outside)
    const all = cases()
    expect(all.length).toBeGreaterThanOrEqual(25)
    for (const c of all) {
      const label = `${c.route} ${JSON.stringify(c.input)}`
      const fields = Object.fromEntries(Object.entries(c.input).map(([k, v]) => [k, String(v)]))
      const r =
        c.kind === 'get'
          ? await api.get(c.route, fields)
          : c.kind === 'json'
            ? await api.post(c.route, c.input)
            : await api.form(
                c.route,
                fields,
                c.route === 'upload' || fields.action === 'chunk'
                  ? {name: c.route === 'upload' ? 'file' : 'chunk', data: Buffer.from('payload')}
                  : undefined,
              )
      expect(r.status, label).toBe(400)
      expect(r.body.error, label).toMatch(c.field)
      // (An absolute path the client sent may be echoed: it is the client's own.)
      if (serverPathsIn(label, pair).length === 0)
        expect(serverPathsIn(JSON.stringify(r.body), pair), label).toEqual([])
    }
    expect(readFileSync(canary, 'utf8')).toBe('still here')
    expect(tree(outside)).toEqual(outsideBefore)
    expect(tree(path.join(pair.dir, 'storage'))).toEqual(storageBefore)
    expect(existsSync('/etc/naaccord-escape.txt')).toBe(false)
    expect(existsSync(path.join(pair.dir, 'escape.txt'))).toBe(false)
  })

  it('lookalikes that stay inside are served normally: double-encoded dots, a name containing "..", a folder named like a disk', async () => {
    const api = internal(base())
    for (const name of ['%2e%2e/x.txt', 'a..b.txt', 'uploads/uploads/x.txt', 'sub/./y.txt', 'q/../z.txt']) {
      const r = await api.form('upload', {path: `inside-${_label}/${name}`}, {name: 'file', data: Buffer.from(name)})
      expect(r.status, name).toBe(200)
    }
    // A prefix without a trailing slash matches by name and does not follow the symlink out.
    const r = await api.post('delete_prefix', {prefix: 'evil'})
    expect(r.status).toBe(200)
    expect(r.body.deleted_count).toBe(0)
    expect(readFileSync(canary, 'utf8')).toBe('still here')
    const listed = await api.get('list', {prefix: ''})
    expect(listed.body.files.some((f: string) => f.includes('canary'))).toBe(false)
  })
})
