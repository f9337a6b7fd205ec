import {describe, expect, it} from 'vitest'
import {createContext} from '../../src/doctor/context.js'
import {runChecks, runDoctor} from '../../src/doctor/index.js'
import {renderHuman} from '../../src/doctor/render.js'
import type {Check} from '../../src/doctor/types.js'
import {tempProject} from '../helpers/index.js'

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

function check(id: string, run: Check['run'], extra: Partial<Check> = {}): Check {
  return {id, title: id, needsConfig: false, run, ...extra}
}

describe('doctor: runner', () => {
  const ctx = createContext({cwd: '/', env: {}})

  it('runs checks in parallel and reports them in registry order', async () => {
    let inFlight = 0
    let most = 0
    const timed = (id: string, ms: number) =>
      check(id, async () => {
        most = Math.max(most, ++inFlight)
        await wait(ms)
        inFlight--
        return {id, status: 'ok', message: id}
      })
    const results = await runChecks(ctx, [timed('slow', 100), timed('fast', 0), timed('middle', 50)])
    expect(results.map((r) => r.id)).toEqual(['slow', 'fast', 'middle'])
    expect(most).toBe(3)
  })

  it('turns a check that hangs or throws into an error result, and the others still report', async () => {
    const results = await runChecks(ctx, [
      check('hangs', () => new Promise(() => {}), {timeoutMs: 100}),
      check('throws', async () => {
        throw new Error('EACCES reading /proc')
      }),
      check('fine', async () => ({id: 'fine', status: 'ok', message: 'fine'})),
    ])
    expect(results).toEqual([
      {id: 'hangs', status: 'error', message: 'hangs: the hangs check did not finish within 100ms'},
      {id: 'throws', status: 'error', message: 'throws: EACCES reading /proc'},
      {id: 'fine', status: 'ok', message: 'fine'},
    ])
  })

  it('skips checks that need a config when it did not load', async () => {
    const p = tempProject('project: [not, a, name]\n')
    try {
      const bad = createContext({cwd: p.dir, env: {}})
      const results = await runChecks(bad, [
        check('needs', async () => ({id: 'needs', status: 'ok', message: 'x'}), {needsConfig: true}),
      ])
      expect(results).toEqual([{id: 'needs', status: 'skip', message: 'needs: skipped (the config did not load)'}])
    } finally {
      p.cleanup()
    }
  })

  it('says so when --fix finds nothing it may fix', async () => {
    const report = await runDoctor(() => ctx, {
      fix: true,
      checks: [check('warns', async () => ({id: 'warns', status: 'warn', message: 'a warning nobody can fix'}))],
    })
    expect(report.fixed).toEqual([])
    expect(renderHuman(report, {fixRequested: true})).toContain('--fix: nothing here can be fixed automatically')
  })
})
