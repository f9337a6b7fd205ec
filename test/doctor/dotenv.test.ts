import {readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {tempProject} from '../helpers/index.js'
import {doctor, one, tree} from './helpers.js'

const TEMPLATE = `# the depot's settings
DEBUG=True
DB_HOST=127.0.0.1
export DB_PASSWORD=naaccord-dev
INTERNAL_API_KEY=\${NAACCORD_KEY}
`

describe('doctor: .env', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const c of cleanups) c()
    cleanups.length = 0
  })

  it('lists entries of .env.example missing from .env, and --fix appends exactly those', async () => {
    // The config needs DB_HOST from .env: until --fix writes it, the config does not even load.
    const p = tempProject(`project: envs\nenv: {DB_HOST: "\${DB_HOST:?}"}\n`, {
      '.env.example': TEMPLATE,
      '.env': 'DEBUG=False\n# mine\nINTERNAL_API_KEY=kept-as-it-is-0123456789',
    })
    cleanups.push(p.cleanup)
    const envFile = path.join(p.dir, '.env')
    const before = await doctor(p.dir)
    expect(one(before, 'config').status).toBe('error')
    const r = one(before, 'dotenv')
    expect(r.status).toBe('warn')
    expect(r.message).toBe('.env lacks 2 entries of .env.example: DB_HOST, DB_PASSWORD')

    const treeBefore = tree(p.dir)
    const after = await doctor(p.dir, {fix: true})
    expect(after.fixed).toEqual([`added to ${envFile}: DB_HOST, DB_PASSWORD`])
    expect(readFileSync(envFile, 'utf8')).toBe(
      'DEBUG=False\n# mine\nINTERNAL_API_KEY=kept-as-it-is-0123456789\n\n' +
        '# added by naaccord doctor --fix from .env.example\nDB_HOST=127.0.0.1\nexport DB_PASSWORD=naaccord-dev\n',
    )
    expect(tree(p.dir)).toEqual(treeBefore)
    expect(one(after, 'dotenv').status).toBe('ok')
    expect(one(after, 'config').status).toBe('ok')
  })

  it('writes a missing .env from the template, readable by its owner only', async () => {
    const p = tempProject('project: envs\n', {'.env.example': TEMPLATE})
    cleanups.push(p.cleanup)
    expect(one(await doctor(p.dir), 'dotenv').message).toBe('there is no .env (.env.example has 4 entries)')
    const after = await doctor(p.dir, {fix: true})
    expect(after.fixed).toEqual([`wrote ${path.join(p.dir, '.env')}: DEBUG, DB_HOST, DB_PASSWORD, INTERNAL_API_KEY`])
    expect(statSync(path.join(p.dir, '.env')).mode & 0o777).toBe(0o600)
  })

  it('is skipped without a template', async () => {
    const p = tempProject('project: envs\n')
    cleanups.push(p.cleanup)
    writeFileSync(path.join(p.dir, '.env'), 'A=1\n')
    expect(one(await doctor(p.dir), 'dotenv').status).toBe('skip')
  })
})
