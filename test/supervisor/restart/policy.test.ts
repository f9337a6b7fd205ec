/** The restart policies' registry and the tracker's backoff and crash-loop limit, on a clock passed in. */
import {describe, expect, it} from 'vitest'
import {RESTART_POLICY_NAMES} from '../../../src/config/schema.js'
import {
  backoffDelay,
  RESTART_POLICIES,
  RestartTracker,
  STABLE_AFTER_MS,
} from '../../../src/supervisor/restart/policy.js'

const crash = {code: 1, signal: null}
const clean = {code: 0, signal: null}
const killed = {code: null, signal: 'SIGKILL' as const}

describe('RESTART_POLICIES', () => {
  it('has one row per policy name the config accepts, and no other', () => {
    expect(Object.keys(RESTART_POLICIES).sort()).toEqual([...RESTART_POLICY_NAMES].sort())
  })

  it('no never restarts; on-failure restarts a non-zero exit or a signal; always restarts every exit', () => {
    const table = Object.fromEntries(
      RESTART_POLICY_NAMES.map((p) => [p, [crash, clean, killed].map((e) => RESTART_POLICIES[p](e))]),
    )
    expect(table).toEqual({no: [false, false, false], 'on-failure': [true, false, true], always: [true, true, true]})
  })
})

describe('RestartTracker', () => {
  const config = {policy: 'always' as const, maxRestarts: 3, window: 60_000, backoffInitial: 100, backoffMax: 1000}

  it('backs off exponentially up to the cap, and calls the fourth quick restart a crash loop', () => {
    const t = new RestartTracker(config)
    const now = 1_000_000
    const delays = [0, 1, 2].map((i) => t.next(crash, 50, now + i))
    expect(delays.map((d) => (d.restart ? d.delayMs : -1))).toEqual([100, 200, 400])
    const fourth = t.next(crash, 50, now + 3)
    expect(fourth.restart).toBe(false)
    expect(fourth.restart === false && fourth.reason).toMatch(/crash loop: 3 restarts within 60s/)
  })

  it('forgets restarts older than the window, and a launch that stayed up starts the backoff over', () => {
    const t = new RestartTracker(config)
    for (let i = 0; i < 3; i++) t.next(crash, 50, i)
    const later = t.next(crash, STABLE_AFTER_MS, 60_000 + 10)
    expect(later).toEqual({restart: true, delayMs: 100, attempt: 1})
  })

  it('policy no: not restarted, and says why', () => {
    const t = new RestartTracker({...config, policy: 'no'})
    expect(t.next(crash, 50, 0)).toEqual({restart: false, reason: 'restart policy is no'})
  })

  it('backoffDelay caps at max and survives huge attempt counts', () => {
    expect([0, 1, 2, 3, 4, 1e6].map((a) => backoffDelay(a, 100, 1000))).toEqual([100, 200, 400, 800, 1000, 1000])
  })
})
