/**
 * util/shape.ts against zod, the schemas session.lock and state.json were checked with before: for seeded values
 * of every shape (mostly nearly valid ones), readStateFile and readLockFile accept exactly what zod accepted, give
 * the same value (defaults filled, other keys kept) and report the same first problem.
 */
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {z} from 'zod'
import {readLockFile} from '../../src/session/lock.js'
import {readStateFile} from '../../src/session/stale.js'
import {mulberry32} from '../chaos/seed.js'
import {tempDir} from '../helpers/index.js'

const UnitStatusSchema = z
  .object({
    name: z.string().min(1),
    kind: z.enum(['server', 'dependency']),
    state: z.string(),
    pid: z.number().int().positive().optional(),
    pgid: z.number().int().positive().optional(),
    port: z.number().int().optional(),
    startedAt: z.number().optional(),
    restarts: z.number().int().nonnegative().default(0),
    logFile: z.string().default(''),
  })
  .passthrough()

const SessionStatusSchema = z
  .object({
    supervisorPid: z.number().int().positive(),
    startedAt: z.number(),
    socketPath: z.string().min(1),
    project: z.string().default(''),
    state: z.enum(['starting', 'running', 'stopping']).default('running'),
    units: z.array(UnitStatusSchema),
  })
  .passthrough()

const LockSchema = z
  .object({
    pid: z.number().int().positive(),
    startedAt: z.number().default(0),
    configFile: z.string().optional(),
    socketPath: z.string().min(1).optional(),
  })
  .passthrough()

function zodRead(schema: z.ZodTypeAny, json: unknown) {
  const parsed = schema.safeParse(json)
  if (parsed.success) return {value: parsed.data as unknown}
  const issue = parsed.error.issues[0]
  return {problem: `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`}
}

const rand = mulberry32(16)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]
const ODD = [null, true, false, 0, -1, 1, 1.5, 2 ** 31, 4194304, '', 'x', 'server', 'ready', 'stopping', [], {}, [1]]

/** A valid value with, now and then, one field made odd or dropped. */
function mutate(valid: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {...valid}
  const keys = Object.keys(out)
  const r = rand()
  if (r < 0.15) return out
  if (r < 0.35) delete out[pick(keys)]
  else if (r < 0.9) out[pick(keys)] = pick(ODD)
  else out.extra = pick(ODD)
  return out
}

function state(): unknown {
  if (rand() < 0.05) return pick(ODD)
  const units = Array.from({length: Math.floor(rand() * 3)}, () =>
    mutate({name: 'web', kind: 'server', state: 'ready', pid: 42, pgid: 42, port: 8000, startedAt: 1, restarts: 0}),
  )
  return mutate({supervisorPid: 7, startedAt: 1, socketPath: '/s', project: 'p', state: 'running', units})
}

function lock(): unknown {
  if (rand() < 0.05) return pick(ODD)
  return mutate({pid: 7, startedAt: 1, configFile: '/c.yaml', socketPath: '/s'})
}

const t = tempDir()
afterAll(() => t.cleanup())

describe('session files checked without zod, as zod did', () => {
  it('state.json: 600 seeded shapes', () => {
    const file = path.join(t.dir, 'state.json')
    let problems = 0
    for (let i = 0; i < 600; i++) {
      const json = state()
      writeFileSync(file, JSON.stringify(json))
      const ours = readStateFile(file)
      const theirs = zodRead(SessionStatusSchema, json)
      if (theirs.problem) problems++
      expect({problem: ours.problem, value: ours.status}, JSON.stringify(json)).toEqual({
        problem: theirs.problem,
        value: theirs.value,
      })
    }
    // Both kinds were tried.
    expect(problems).toBeGreaterThan(50)
    expect(problems).toBeLessThan(550)
  })

  it('session.lock: 300 seeded shapes', () => {
    const file = path.join(t.dir, 'session.lock')
    for (let i = 0; i < 300; i++) {
      const json = lock()
      writeFileSync(file, JSON.stringify(json))
      const ours = readLockFile(file)
      // A bare number is the old plain-pid format, read before any JSON check.
      if (typeof json === 'number') continue
      const theirs = zodRead(LockSchema, json)
      expect({problem: ours.problem, value: ours.info}, JSON.stringify(json)).toEqual({
        problem: theirs.problem,
        value: theirs.value,
      })
    }
  })
})
