/**
 * `start --detach` when the supervisor dies during start-up (#14 defect 1): a one-line error, exit 1, and what
 * the supervisor had launched stopped — not an uncaught `kill ESRCH` with a stack trace.
 */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {freePort, runCli, tempProject} from '../helpers/index.js'
import {groupPids, isAlive, simpleConfig, waitFor} from './fixtures.js'

/** Never listens on its port, so its (tcp) readiness probe never passes. */
const IDLE_JS = `console.log('idle, not listening'); setInterval(() => {}, 1000)`

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

interface StateJson {
  supervisorPid: number
  units: {name: string; pid?: number; pgid?: number}[]
}

describe('start --detach: the supervisor dies during start-up', {timeout: 120_000}, () => {
  it('SIGKILL to the supervisor → one line on stderr, exit 1, its unit stopped, no session files left', async () => {
    const port = await freePort()
    const t = tempProject(
      simpleConfig('nac-supdies', `  app:\n    command: node idle.js\n    port: ${port}\n    startTimeout: 60s\n`),
      {'idle.js': IDLE_JS},
    )
    cleanups.push(t.cleanup)
    const stateFile = path.join(t.dir, '.naaccord/state.json')
    const starting = runCli(['start', '--detach'], {cwd: t.dir})
    let state: StateJson | undefined
    const launched = await waitFor(() => {
      try {
        state = JSON.parse(readFileSync(stateFile, 'utf8')) as StateJson
      } catch {
        return false
      }
      return (state.units.find((u) => u.name === 'app')?.pid ?? 0) > 0
    }, 60_000)
    expect(launched).toBe(true)
    const app = state!.units.find((u) => u.name === 'app')!
    const pgid = app.pgid ?? app.pid!
    expect(groupPids(pgid).length).toBeGreaterThan(0)
    process.kill(state!.supervisorPid, 'SIGKILL')

    const result = await starting
    expect(result.exitCode, String(result.all)).toBe(1)
    const errLines = String(result.stderr).trim().split('\n')
    expect(errLines, String(result.stderr)).toHaveLength(1)
    expect(errLines[0]).toMatch(/^✗ naaccord start: the supervisor exited \(SIGKILL\) before the session was ready/)
    expect(String(result.all)).not.toMatch(/ESRCH|\n\s+at /)
    expect(await waitFor(() => !isAlive(state!.supervisorPid))).toBe(true)
    // What it had launched is stopped, and nothing of the session is left on disk.
    expect(groupPids(pgid)).toEqual([])
    expect(String(result.stdout)).toMatch(/cleared a stale session .*stopped orphaned app/)
    expect(existsSync(stateFile)).toBe(false)
    expect(existsSync(path.join(t.dir, '.naaccord/session.lock'))).toBe(false)
  })
})
