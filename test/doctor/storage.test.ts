import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {builtinConfig, freePort, tempProject} from '../helpers/index.js'
import {byId, doctor, one, tree} from './helpers.js'

describe('doctor: storage', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })
  async function project(storage = 'storage/workspace') {
    const yaml = builtinConfig({webPort: await freePort(), servicesPort: await freePort()}).replace(
      'storage: storage/workspace',
      `storage: ${storage}`,
    )
    const p = tempProject(yaml)
    cleanups.push(p.cleanup)
    return p.dir
  }

  it('warns about missing folders, and --fix creates exactly those', async () => {
    const dir = await project()
    const root = path.join(dir, 'storage', 'workspace')
    const before = await doctor(dir)
    const r = one(before, 'storage', 'missing')
    expect(r.status).toBe('warn')
    expect(r.message).toBe('4 storage folders do not exist yet')
    expect(r.detail).toEqual([
      'storage/workspace (storage root)',
      'storage/workspace/uploads (uploads/ of the storage root)',
      'storage/workspace/processed (processed/ of the storage root)',
      'storage/workspace/temp (temp/ of the storage root)',
    ])
    expect(r.fix).toBe(`mkdir -p ${['uploads', 'processed', 'temp'].map((s) => path.join(root, s)).join(' ')}`)
    expect(byId(before, 'storage').find((x) => x.subject?.startsWith('space:'))?.status).toBe('ok')

    const treeBefore = tree(dir)
    const after = await doctor(dir, {fix: true})
    expect(after.fixed).toEqual(
      [root, ...['uploads', 'processed', 'temp'].map((s) => path.join(root, s))].map((f) => `created ${f}`),
    )
    const added = tree(dir).filter((f) => !treeBefore.includes(f))
    expect(added).toEqual([
      'storage/',
      'storage/workspace/',
      'storage/workspace/processed/',
      'storage/workspace/temp/',
      'storage/workspace/uploads/',
    ])
    expect(tree(dir).filter((f) => !added.includes(f))).toEqual(treeBefore)
    expect(byId(after, 'storage').every((x) => x.status === 'ok')).toBe(true)
  })

  it('reports a storage root that cannot be created or written, even for root', async () => {
    // chmod does not stop root, so the test uses what stops everyone: a folder cannot live under a regular
    // file (ENOTDIR), and /proc refuses new files whatever the user.
    const dir = await project('blocker/workspace')
    writeFileSync(path.join(dir, 'blocker'), 'a file where a folder should be\n')
    const report = await doctor(dir)
    const r = one(report, 'storage', path.join(dir, 'blocker', 'workspace'))
    expect(r.status).toBe('error')
    expect(r.message).toContain(`cannot be created: ${path.join(dir, 'blocker')} is a file, not a folder`)
    expect(r.fixable).toBeFalsy()
    // --fix leaves it alone.
    const after = await doctor(dir, {fix: true})
    expect(after.fixed).toEqual([])

    const proc = await project('/proc/self')
    const p = one(await doctor(proc), 'storage', '/proc/self')
    expect(p.status).toBe('error')
    expect(p.message).toMatch(/^storage root \/proc\/self is not writable \(E[A-Z]+\)$/)
  })

  it('accepts existing writable folders', async () => {
    const dir = await project()
    for (const s of ['uploads', 'processed', 'temp'])
      mkdirSync(path.join(dir, 'storage', 'workspace', s), {recursive: true})
    const r = byId(await doctor(dir), 'storage')
    expect(r.map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
  })
})
