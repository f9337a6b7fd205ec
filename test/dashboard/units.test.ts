/** The session as the screen knows it: events in, units, stopping and the waterfall's visibility out. */
import {describe, expect, it} from 'vitest'
import {SessionModel} from '../../src/dashboard/units.js'
import type {SessionStatus, UnitStatus} from '../../src/session/protocol.js'

const unit = (over: Partial<UnitStatus>): UnitStatus => ({
  name: 'web',
  kind: 'server',
  state: 'starting',
  restarts: 0,
  logFile: '/tmp/web.log',
  ...over,
})
const status = (over: Partial<SessionStatus>): SessionStatus =>
  ({project: 'p', state: 'starting', startedAt: 1000, units: [], ...over}) as SessionStatus

describe('SessionModel', () => {
  it('takes the units from a status event and updates them from unit events, adding new ones', () => {
    const m = new SessionModel()
    m.apply({type: 'status', status: status({units: [unit({name: 'services'}), unit({name: 'web'})]})}, 0)
    m.apply({type: 'unit', unit: unit({name: 'web', state: 'ready', pid: 7})}, 0)
    m.apply({type: 'unit', unit: unit({name: 'redis'})}, 0)
    expect(m.units.map((u) => [u.name, u.state])).toEqual([
      ['services', 'starting'],
      ['web', 'ready'],
      ['redis', 'starting'],
    ])
  })

  it('the session is running once every unit is ready', () => {
    const m = new SessionModel()
    m.apply({type: 'status', status: status({units: [unit({name: 'a'}), unit({name: 'b'})]})}, 0)
    m.apply({type: 'unit', unit: unit({name: 'a', state: 'ready'})}, 0)
    expect(m.status?.state).toBe('starting')
    m.apply({type: 'unit', unit: unit({name: 'b', state: 'ready'})}, 0)
    expect(m.status?.state).toBe('running')
  })

  it('records when each unit was first seen stopping (for the countdowns), once', () => {
    const m = new SessionModel()
    m.apply({type: 'unit', unit: unit({name: 'web', state: 'stopping'})}, 100)
    m.apply({type: 'unit', unit: unit({name: 'web', state: 'stopping'})}, 900)
    m.resynced(status({state: 'stopping', units: [unit({name: 'db', state: 'stopping'})]}), 300)
    expect([...m.stoppingSince]).toEqual([
      ['web', 100],
      ['db', 300],
    ])
    expect(m.stopping).toBe(true)
  })

  it('a shutdown begins stopping, and its end is reported', () => {
    const m = new SessionModel()
    expect(m.apply({type: 'shutdown', phase: 'begin'}, 0)).toBe(false)
    expect(m.stopping).toBe(true)
    expect(m.apply({type: 'shutdown', phase: 'end'}, 0)).toBe(true)
  })

  it('shows the waterfall while starting, for 5 s after the start-up, always while stopping, else as w set it', () => {
    const m = new SessionModel()
    m.apply({type: 'status', status: status({startedAt: 1000, units: [unit({name: 'web'})]})}, 0)
    expect(m.flowVisible(2000)).toBe(true)
    m.apply({type: 'unit', unit: unit({name: 'web', state: 'ready', readyAt: 3000})}, 0)
    expect(m.status?.state).toBe('running')
    expect(m.flowVisible(7999)).toBe(true)
    expect(m.flowVisible(8000)).toBe(false)
    m.showFlow = true
    expect(m.flowVisible(100_000)).toBe(true)
    m.showFlow = false
    expect(m.flowVisible(3000)).toBe(false)
    m.stopping = true
    expect(m.flowVisible(100_000)).toBe(true)
  })

  it('a unit ready again long after the start-up (a restart) does not bring the waterfall back', () => {
    const m = new SessionModel()
    m.apply({type: 'status', status: status({state: 'running', startedAt: 1000, units: []})}, 0)
    m.apply({type: 'unit', unit: unit({name: 'web', state: 'ready', readyAt: 100_000})}, 0)
    expect(m.flowVisible(100_001)).toBe(false)
  })
})
