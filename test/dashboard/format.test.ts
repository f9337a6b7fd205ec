import {describe, expect, it} from 'vitest'
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
  it('coalesces a burst of invalidations into few renders', async () => {
    let renders = 0
    const s = new RenderScheduler(() => renders++, 30)
    const end = Date.now() + 200
    while (Date.now() < end) {
      s.invalidate()
      await new Promise((r) => setImmediate(r))
    }
    await new Promise((r) => setTimeout(r, 50))
    s.dispose()
    // 200 ms at 30 fps is ~6 frames; thousands of invalidations must not mean thousands of renders.
    expect(renders).toBeGreaterThanOrEqual(3)
    expect(renders).toBeLessThanOrEqual(9)
  })

  it('renders a key press on the next tick, without waiting for the frame slot', async () => {
    let renders = 0
    const s = new RenderScheduler(() => renders++, 1)
    s.invalidate()
    await new Promise((r) => setTimeout(r, 10))
    expect(renders).toBe(1)
    s.invalidate()
    await new Promise((r) => setTimeout(r, 10))
    // At 1 fps the next ordinary frame is ~1 s away…
    expect(renders).toBe(1)
    s.invalidate(true)
    await new Promise((r) => setImmediate(r))
    // …but an urgent one is drawn at once, and replaces the pending frame.
    expect(renders).toBe(2)
    await new Promise((r) => setTimeout(r, 20))
    s.dispose()
    expect(renders).toBe(2)
  })
})
