/** A check that reads the config: skipped by the runner without one, its run and fix given the loaded config. */
import {expect, it} from 'vitest'
import {configuredCheck} from '../../src/doctor/checks/configured.js'
import {applyFixes, runCheck} from '../../src/doctor/index.js'
import {type DoctorContext, result} from '../../src/doctor/types.js'

const base = {cwd: '/nowhere', env: {}, online: false, session: async () => ({state: 'none'}) as never}

function recording() {
  const seen: string[] = []
  const check = configuredCheck({
    id: 'probe',
    title: 'Probe',
    async run(ctx) {
      seen.push(`run ${ctx.plan.project}`)
      return result('probe', 'warn', 'fixable', {fixable: true})
    },
    async fix(ctx, results) {
      seen.push(`fix ${ctx.plan.project} ${results.length}`)
      return ['fixed']
    },
  })
  return {check, seen}
}

it('is skipped, not run, when the config did not load', async () => {
  const {check, seen} = recording()
  expect(check.needsConfig).toBe(true)
  const ctx = base as DoctorContext
  expect(await runCheck(check, ctx)).toEqual([
    {id: 'probe', status: 'skip', message: 'Probe: skipped (the config did not load)'},
  ])
  // A fix asked for without a config does nothing.
  expect(await applyFixes(ctx, [result('probe', 'warn', 'x', {fixable: true})], [check])).toEqual([])
  expect(seen).toEqual([])
})

it('runs and fixes with the loaded config', async () => {
  const {check, seen} = recording()
  const ctx = {...base, loaded: {} as never, plan: {project: 'depot'} as never} as DoctorContext
  const results = await runCheck(check, ctx)
  expect(results.map((r) => r.status)).toEqual(['warn'])
  expect(await applyFixes(ctx, results, [check])).toEqual(['fixed'])
  expect(seen).toEqual(['run depot', 'fix depot 1'])
})
