/**
 * Chaos: kill -9 of the detached supervisor at a random moment of start, run or stop, then `stop` (the library
 * call the command makes). After every round: no process carries the session's marker (/proc scanned), no port
 * of the config is held, no session file is left. Seeded (CHAOS_SEED replays); figures printed at the end.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, rmSync} from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {shutdown, stopSession} from '../../src/session/client.js'
import {sessionPaths} from '../../src/session/protocol.js'
import {readStateFile} from '../../src/session/stale.js'
import {markedProcesses, sessionMarker} from '../../src/util/group-stop.js'
import {isPortFree} from '../../src/util/ports.js'
import {freePort, repoRoot, tempProject} from '../helpers/index.js'
import {SERVER_JS} from '../session/fixtures.js'
import {bounded, seededRandom} from './seed.js'

const ROUNDS = Number(process.env.CHAOS_ROUNDS) || 24
const rng = seededRandom('supervisor kill -9')
const SUPERVISE_MAIN = path.join(repoRoot, 'dist', 'session', 'supervise-main.js')

/** Listens on PORT; forks a child in its group and one in a session of its own (setsid), both ignoring SIGTERM. */
const FORKER_JS = `
const {spawn} = require('node:child_process')
const stubborn = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"
spawn(process.execPath, ['-e', stubborn], {stdio: 'ignore'})
spawn(process.execPath, ['-e', stubborn], {stdio: 'ignore', detached: true}).unref()
require('node:http').createServer((q, r) => r.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
`

function config(name: string, apiPort: number, forkerPort: number): string {
  return `project: ${name}
apiKey: chaos-key-0123456789abcdef
servers:
  api:
    command: node
    args: [server.js]
    port: ${apiPort}
    ready: {tcp: {}, interval: 20ms}
    stop: {timeout: 1s}
  forker:
    command: node
    args: [forker.js]
    port: ${forkerPort}
    ready: {tcp: {}, interval: 20ms}
    stop: {timeout: 300ms}
  sleeper:
    command: sh
    args: ["-c", "sleep 0.0$$((RANDOM_DIGIT)); exit 1"]
    env: {RANDOM_DIGIT: "${rng.int(1, 9)}"}
    restart: {policy: always, maxRestarts: 100000, backoff: {initial: 5ms, max: 5ms}}
`
}

type Phase = 'start' | 'run' | 'stop'
const figures = {rounds: 0, orphans: 0, portsHeld: 0, filesLeft: 0, killedAt: {start: 0, run: 0, stop: 0}}
const children: ChildProcess[] = []

afterAll(() => {
  console.log(
    `chaos supervisor kill -9: seed ${rng.seed}, ${figures.rounds} rounds (at start ${figures.killedAt.start}, ` +
      `run ${figures.killedAt.run}, stop ${figures.killedAt.stop}): ${figures.orphans} orphans, ` +
      `${figures.portsHeld} ports held, ${figures.filesLeft} session files left`,
  )
})

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 10))
  }
  return check()
}

async function round(i: number): Promise<string[]> {
  const [apiPort, forkerPort] = [await freePort(), await freePort()]
  const t = tempProject(config(`chaos-${i}`, apiPort, forkerPort), {'server.js': SERVER_JS, 'forker.js': FORKER_JS})
  const stateDir = path.join(t.dir, '.naaccord')
  const paths = sessionPaths(stateDir)
  const phase: Phase = rng.pick(['start', 'run', 'stop'] as const)
  const delay = rng.int(0, phase === 'start' ? 400 : 150)
  const problems: string[] = []
  try {
    const sup = spawn(
      process.execPath,
      [SUPERVISE_MAIN, JSON.stringify({configFile: path.join(t.dir, 'naaccord.config.yaml')})],
      {
        cwd: t.dir,
        stdio: 'ignore',
        detached: true,
      },
    )
    children.push(sup)
    if (phase !== 'start') {
      const ready = () => readStateFile(paths.state).status?.units.filter((u) => u.state === 'ready').length === 2
      await waitUntil(ready, 20_000)
      if (phase === 'stop')
        await shutdown(readStateFile(paths.state).status?.socketPath ?? paths.socket).catch(() => undefined)
    }
    await new Promise((r) => setTimeout(r, delay))
    figures.killedAt[phase]++
    sup.kill('SIGKILL')
    await waitUntil(() => sup.exitCode !== null || sup.signalCode !== null, 5000)

    const result = await stopSession(stateDir, {ports: [apiPort, forkerPort]})
    problems.push(...result.problems)
    const left = markedProcesses(sessionMarker(stateDir))
    figures.orphans += left.length
    for (const p of left) problems.push(`round ${i} (${phase} +${delay}ms): orphan pid ${p.pid} (${p.comm}, ${p.unit})`)
    for (const port of [apiPort, forkerPort]) {
      if (!(await isPortFree(port))) {
        figures.portsHeld++
        problems.push(`round ${i} (${phase} +${delay}ms): port ${port} held`)
      }
    }
    for (const file of [paths.lock, paths.state, paths.socket]) {
      if (existsSync(file)) {
        figures.filesLeft++
        problems.push(`round ${i} (${phase} +${delay}ms): ${path.basename(file)} left`)
      }
    }
    return problems
  } finally {
    for (const p of markedProcesses(sessionMarker(stateDir))) {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {}
    }
    rmSync(t.dir, {recursive: true, force: true})
  }
}

describe('chaos: kill -9 of the supervisor during start, run and stop', () => {
  it(`${ROUNDS} rounds: 0 orphans, 0 ports held, 0 session files left`, async () => {
    expect(existsSync(SUPERVISE_MAIN), 'run npm run build first').toBe(true)
    const problems: string[] = []
    for (let i = 0; i < ROUNDS; i++) {
      figures.rounds++
      problems.push(...(await bounded(`round ${i}`, 45_000, () => round(i))))
    }
    expect(problems).toEqual([])
  })
})
