import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {countdownRows, unitRow, waterfallRows} from '../../src/dashboard/format.js'
import {RenderScheduler} from '../../src/dashboard/schedule.js'
import type {UnitStatus} from '../../src/session/protocol.js'

const unit = (over: Partial<UnitStatus>): UnitStatus => ({
  name: 'web',
  kind: 'server',
  role: 'web',
  state: 'ready',
  restarts: 0,
  logFile: '/tmp/web.log',
  ...over,
})

describe('unitRow', () => {
  it('shows state, pid, port, time to ready, restarts and uptime, state coloured', () => {
    const row = unitRow(unit({pid: 4242, port: 8000, startedAt: 1000, readyMs: 1234, restarts: 2}), 61_000)
    expect(row).toContain('{green-fg}ready')
    expect(row).toMatch(/web\s+web\s+\{green-fg\}ready\s+\{\/green-fg\} 4242\s+8000\s+1\.23s\s+2\s+1m00s/)
  })

  it('shows the exit code and hides the pid of an exited unit', () => {
    const row = unitRow(unit({state: 'exited', exitCode: 3, pid: 99}), 0)
    expect(row).toContain('{red-fg}exited (3)')
    expect(row).not.toContain('99')
  })

  it('escapes braces in unit names', () => {
    expect(unitRow(unit({name: '{bold}'}), 0)).toContain('{open}bold{close}')
  })
})

describe('waterfallRows', () => {
  it('draws each unit from launch to ready on one time axis', () => {
    const rows = waterfallRows(
      [
        unit({name: 'services', startedAt: 0, readyAt: 500, readyMs: 500}),
        unit({name: 'web', startedAt: 500, readyAt: 1000, readyMs: 500}),
        unit({name: 'later', state: 'pending'}),
      ],
      0,
      1000,
      60,
    )
    const bars = rows.map((r) => r.replace(/\{[^}]*\}/g, ''))
    const services = bars[0].indexOf('█')
    const web = bars[1].indexOf('█')
    expect(services).toBeLessThan(web)
    expect(bars[0].lastIndexOf('█')).toBeLessThanOrEqual(web)
    expect(bars[1]).toContain('500ms')
    expect(bars[2]).toContain('pending')
  })
})

describe('countdownRows', () => {
  it('counts down to the forced stop', () => {
    const rows = countdownRows(
      [unit({state: 'stopping'}), unit({name: 'services', state: 'stopped'})],
      new Map([['web', 1000]]),
      {web: 10_000},
      4000,
    )
    expect(rows[0]).toContain('7.00s before it is forced')
    expect(rows[1]).toContain('gone')
  })
})

describe('RenderScheduler', () => {
  // Timers and the scheduler's clock move together, by hand: frames are counted, no time is measured.
  let t = 1_000_000
  const clock = () => t
  const advance = (ms: number, each?: () => void) => {
    for (let i = 0; i < ms; i++) {
      each?.()
      t += 1
      vi.advanceTimersByTime(1)
    }
  }
  beforeEach(() => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate']})
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('coalesces a burst of invalidations into one render per frame slot', () => {
    let renders = 0
    const s = new RenderScheduler(() => renders++, 10, clock)
    // An invalidation every ms for 1 s at 10 fps: the first renders at once, then one per 100 ms slot.
    advance(1000, () => s.invalidate())
    s.dispose()
    expect(renders).toBe(10)
    expect(s.renders).toBe(10)
  })

  it('spaces frames by twice what the last render took when rendering is slow (a terminal behind)', () => {
    let renders = 0
    // Each render takes 150 ms of the clock: frames 300 ms apart instead of 100.
    const s = new RenderScheduler(
      () => {
        renders++
        t += 150
      },
      10,
      clock,
    )
    advance(1000, () => s.invalidate())
    s.dispose()
    // The next frame 300 ms after the last one ended: in 1000 ms of invalidations, frames at 1, 301, 601 and 901
    // (the renders' own clock time comes on top): 4 instead of the 10 a fast render gets.
    expect(renders).toBe(4)
  })

  it('renders a key press on the next tick, without waiting for the frame slot', () => {
    let renders = 0
    const s = new RenderScheduler(() => renders++, 1, clock)
    s.invalidate()
    advance(10)
    expect(renders).toBe(1)
    s.invalidate()
    advance(10)
    // At 1 fps the next ordinary frame is 1 s away…
    expect(renders).toBe(1)
    s.invalidate(true)
    vi.advanceTimersByTime(0)
    // …but an urgent one is drawn at the next tick, without the clock moving, and replaces the pending frame.
    expect(renders).toBe(2)
    advance(999)
    s.dispose()
    expect(renders).toBe(2)
  })
})
