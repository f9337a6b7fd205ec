/** doctor warns about a relative NAS_*_PATH in any config file, naming the field, its file:line and the fix. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import {builtinConfig, repoRoot, tempProject} from '../helpers/index.js'
import {byId, doctor, one} from './helpers.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function project(yaml: string, files: Record<string, string> = {}): string {
  const p = tempProject(yaml, files)
  cleanups.push(p.cleanup)
  return p.dir
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1

it('names each relative NAS_*_PATH with file:line and the {root} fix; absolute and {root} ones pass', async () => {
  const yaml = `${builtinConfig({webPort: 18_000, servicesPort: 18_001})}roles:
  services:
    env:
      NAS_UPLOADS_PATH: storage/nas/uploads
      NAS_REPORTS_PATH: "{root}/storage/nas/reports"
      NAS_ARCHIVE_PATH: /srv/nas/archive
`
  const local = 'servers:\n  services:\n    env:\n      NAS_TEMP_PATH: ./tmp/nas\n'
  const dir = project(yaml, {'naaccord.local.yaml': local})
  const report = await doctor(dir)
  expect(byId(report, 'nas-paths').map((r) => r.subject)).toEqual([
    'roles.services.env.NAS_UPLOADS_PATH',
    'servers.services.env.NAS_TEMP_PATH',
  ])
  const uploads = one(report, 'nas-paths', 'roles.services.env.NAS_UPLOADS_PATH')
  expect(uploads.status).toBe('warn')
  expect(uploads.message).toBe(
    'roles.services.env.NAS_UPLOADS_PATH is a relative path (storage/nas/uploads): the depot lists nothing under it',
  )
  expect(uploads.detail?.[0]).toBe(`naaccord.config.yaml:${lineOf(yaml, 'NAS_UPLOADS_PATH')}`)
  expect(uploads.fix).toBe(
    'write NAS_UPLOADS_PATH: "{root}/storage/nas/uploads" in naaccord.config.yaml ({root} is the project root)',
  )
  const temp = one(report, 'nas-paths', 'servers.services.env.NAS_TEMP_PATH')
  expect(temp.detail?.[0]).toBe('naaccord.local.yaml:4')
  expect(temp.fix).toBe('write NAS_TEMP_PATH: "{root}/tmp/nas" in naaccord.local.yaml ({root} is the project root)')
})

it('the depot template as shipped passes; the old relative template is warned about', async () => {
  const template = readFileSync(path.join(repoRoot, 'templates/depot.config.yaml'), 'utf8')
  expect(one(await doctor(project(template)), 'nas-paths').status).toBe('ok')
  const old = template.replace('"{root}/storage/nas/uploads"', 'storage/nas/uploads')
  expect(one(await doctor(project(old)), 'nas-paths').status).toBe('warn')
})

it('skips a config without NAS_*_PATH', async () => {
  const dir = project(builtinConfig({webPort: 18_000, servicesPort: 18_001}))
  expect(one(await doctor(dir), 'nas-paths').status).toBe('skip')
})
