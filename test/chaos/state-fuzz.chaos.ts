/**
 * Chaos: state.json (and session.lock) of every shape, seeded. `status`, `stop` and `start` (the library calls the
 * commands make, and a few real CLI runs) answer each with a notice, never a throw; a bad file is set aside and a
 * valid one naming a dead supervisor is cleared. Figures printed at the end.
 */
import {existsSync, mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan} from '../../src/config/plan.js'
import {findRunningSession, stopSession} from '../../src/session/client.js'
import {sessionPaths} from '../../src/session/protocol.js'
import {startSession} from '../../src/session/session.js'
import {readStateFile} from '../../src/session/stale.js'
import {markedProcesses, sessionMarker} from '../../src/util/group-stop.js'
import {runCli, tempProject} from '../helpers/index.js'
import {bounded, type Random, seededRandom} from './seed.js'

const SHAPES = Number(process.env.CHAOS_SHAPES) || 150
const rng = seededRandom('state.json fuzz')
const figures = {shapes: 0, setAside: 0, cleared: 0, throws: 0, cli: 0}

afterAll(() => {
  console.log(
    `chaos state.json fuzz: seed ${rng.seed}, ${figures.shapes} shapes (${figures.cli} through the CLI): ` +
      `${figures.setAside} set aside, ${figures.cleared} stale sessions cleared, ${figures.throws} throws`,
  )
})

const KEYS = ['version', 'project', 'supervisorPid', 'startedAt', 'socketPath', 'state', 'units', 'pid', 'pgid']
const UNIT_KEYS = ['name', 'kind', 'state', 'pid', 'pgid', 'port', 'startedAt', 'restarts', 'logFile']

function anyValue(r: Random, depth = 0): unknown {
  const kind = r.int(0, depth > 2 ? 4 : 7)
  if (kind === 0) return null
  if (kind === 1) return r.chance(0.5)
  if (kind === 2) return r.pick([0, -1, 1, 1.5, 2 ** 31, -(2 ** 53), 4194304, 1])
  if (kind === 3) return r.pick(['', 'x', 'server', '../../etc/passwd', '/', '\u0000', 'ready', '💥'])
  if (kind === 4) return undefined
  if (kind === 5) return Array.from({length: r.int(0, 3)}, () => anyValue(r, depth + 1))
  const out: Record<string, unknown> = {}
  for (let i = r.int(0, 4); i > 0; i--) out[r.pick(depth === 0 ? KEYS : UNIT_KEYS)] = anyValue(r, depth + 1)
  return out
}

/** A state.json that is valid but for one field, as a killed or buggy writer could leave it. */
function nearlyValid(r: Random, stateDir: string): unknown {
  const unit: Record<string, unknown> = {name: 'idle', kind: 'server', state: 'ready', pid: 4194304, pgid: 4194304}
  unit.restarts = 0
  unit.logFile = path.join(stateDir, 'logs', 'idle.log')
  const state: Record<string, unknown> = {
    version: 1,
    project: 'fuzz',
    supervisorPid: 4194304,
    startedAt: Date.now(),
    socketPath: sessionPaths(stateDir).socket,
    state: 'running',
    units: [unit],
  }
  if (r.chance(0.8)) {
    const target = r.chance(0.5) ? state : unit
    target[r.pick(Object.keys(target))] = anyValue(r, 1)
  }
  return state
}

function shape(r: Random, stateDir: string): string {
  switch (r.int(0, 5)) {
    case 0:
      return JSON.stringify(anyValue(r)) ?? ''
    case 1: {
      const text = JSON.stringify(nearlyValid(r, stateDir))
      return text.slice(0, r.int(0, text.length)) // cut short, as a crash mid-write (without the rename) would
    }
    case 2:
      return Buffer.from(Array.from({length: r.int(0, 64)}, () => r.int(0, 255))).toString('latin1')
    case 3:
      return r.pick(['', ' ', '\n', 'null', '{}', '[]', '{"units":"x"}', '{"units":[null]}', '{"units":[{}]}'])
    default:
      return JSON.stringify(nearlyValid(r, stateDir))
  }
}

describe('chaos: state.json of every shape', () => {
  it(`${SHAPES} shapes: status, stop and start answer with a notice, never a throw`, async () => {
    const t = tempProject(
      'project: fuzz\napiKey: fuzz-key-0123456789abcdef\nservers:\n  idle:\n    command: sleep\n    args: ["60"]\n',
    )
    const stateDir = path.join(t.dir, '.naaccord')
    const paths = sessionPaths(stateDir)
    const plan = buildPlan(loadConfig({cwd: t.dir}))
    const problems: string[] = []
    try {
      for (let i = 0; i < SHAPES; i++) {
        figures.shapes++
        mkdirSync(stateDir, {recursive: true})
        const text = shape(rng, stateDir)
        writeFileSync(paths.state, text)
        if (rng.chance(0.3)) writeFileSync(paths.lock, JSON.stringify(anyValue(rng)) ?? '')
        const bad = readStateFile(paths.state).problem !== undefined
        const asideBefore = readdirSync(stateDir).filter((f) => f.includes('.bad-')).length
        const command = rng.pick(['status', 'stop', 'start'] as const)
        const notices: string[] = []
        const viaCli = i % 15 === 0
        try {
          await bounded(`shape ${i}`, 60_000, async () => {
            if (viaCli) {
              figures.cli++
              const r = await runCli(command === 'start' ? ['start', '--detach'] : [command], {cwd: t.dir})
              const out = String(r.all)
              if (/TypeError|at .+\.js:\d+/.test(out)) throw new Error(`${command} printed a stack: ${out}`)
              notices.push(...out.split('\n'))
              if (command === 'start') await runCli(['stop'], {cwd: t.dir})
            } else if (command === 'status') await findRunningSession(stateDir, (n) => notices.push(n))
            else if (command === 'stop') notices.push(...(await stopSession(stateDir)).notices)
            else {
              const session = await startSession(plan, {onNotice: (n) => notices.push(n)})
              await session.ready
              await session.stop(500)
            }
          })
        } catch (error) {
          figures.throws++
          problems.push(`shape ${i} (${JSON.stringify(text).slice(0, 80)}) ${command}: ${(error as Error).message}`)
          continue
        }
        const asideAfter = readdirSync(stateDir).filter((f) => f.includes('.bad-')).length
        if (asideAfter > asideBefore) figures.setAside++
        if (notices.some((n) => n.includes('cleared a stale session'))) figures.cleared++
        if (bad && !notices.some((n) => n.includes('set aside state.json')))
          problems.push(`shape ${i} (${JSON.stringify(text).slice(0, 80)}) ${command}: bad, but no notice`)
        if (readStateFile(paths.state).problem !== undefined)
          problems.push(`shape ${i} ${command}: a bad state.json was left in place`)
        rmSync(paths.lock, {force: true})
      }
    } finally {
      for (const p of markedProcesses(sessionMarker(stateDir))) {
        try {
          process.kill(p.pid, 'SIGKILL')
        } catch {}
      }
      if (existsSync(t.dir)) t.cleanup()
    }
    expect(problems).toEqual([])
  })
})
