/**
 * Pure formatting for the process list, the start-up waterfall and the stop countdowns: strings with blessed
 * tags, so they can be unit-tested without a screen. Anything from the session (names, messages) is escaped.
 */
import type {UnitState, UnitStatus} from '../session/protocol.js'
import {formatDuration} from '../util/duration.js'
import {escapeTags} from './text.js'

export const STATE_COLOR: Record<UnitState, string> = {
  pending: 'blue',
  starting: 'yellow',
  ready: 'green',
  unhealthy: 'magenta',
  exited: 'red',
  restarting: 'yellow',
  failed: 'red',
  stopping: 'cyan',
  stopped: 'white',
}

/** Colours given to unit names in the merged view, by unit order. */
export const NAME_COLORS = ['cyan', 'magenta', 'blue', 'yellow', 'green', 'light-red', 'light-cyan', 'light-magenta']

export function stateLabel(unit: UnitStatus): string {
  if (unit.state === 'exited' || (unit.state === 'failed' && unit.exitCode != null)) {
    const how = unit.signal ? unit.signal : unit.exitCode != null ? String(unit.exitCode) : '?'
    return `${unit.state} (${how})`
  }
  return unit.state
}

export interface Column {
  title: string
  width: number
  cell(unit: UnitStatus, now: number): string
}

const isUp = (u: UnitStatus) => u.state === 'starting' || u.state === 'ready' || u.state === 'unhealthy'

export const COLUMNS: Column[] = [
  {title: 'NAME', width: 14, cell: (u) => u.name},
  {title: 'ROLE', width: 10, cell: (u) => u.role ?? (u.kind === 'dependency' ? 'dep' : '-')},
  {title: 'STATE', width: 16, cell: (u) => stateLabel(u)},
  {title: 'PID', width: 8, cell: (u) => (u.pid && isUp(u) ? String(u.pid) : '-')},
  {title: 'PORT', width: 6, cell: (u) => (u.port ? String(u.port) : '-')},
  {title: 'READY IN', width: 9, cell: (u) => (u.readyMs !== undefined ? formatDuration(u.readyMs) : '-')},
  {title: 'RESTARTS', width: 8, cell: (u) => String(u.restarts)},
  {title: 'UPTIME', width: 8, cell: (u, now) => (u.startedAt && isUp(u) ? formatDuration(now - u.startedAt) : '-')},
]

function pad(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width)
}

export function headerRow(): string {
  return COLUMNS.map((c) => pad(c.title, c.width)).join(' ')
}

/** One row of the list: plain padded cells, with the state cell coloured. */
export function unitRow(unit: UnitStatus, now: number): string {
  return COLUMNS.map((c) => {
    const text = escapeTags(pad(c.cell(unit, now), c.width))
    if (c.title !== 'STATE') return text
    const color = STATE_COLOR[unit.state] ?? 'white'
    return `{${color}-fg}${text}{/${color}-fg}`
  }).join(' ')
}

/**
 * The start-up waterfall: one bar per unit from its launch to ready (or to now while it is still starting),
 * on a time axis from the session's start to the last event.
 */
export function waterfallRows(units: UnitStatus[], t0: number, now: number, width: number): string[] {
  const nameWidth = Math.min(14, Math.max(4, ...units.map((u) => u.name.length)))
  const labelWidth = 10
  const barWidth = Math.max(10, width - nameWidth - labelWidth - 3)
  const ends = units.map((u) => u.readyAt ?? (u.startedAt ? now : t0))
  const span = Math.max(1, ...ends.map((e) => e - t0))
  const col = (t: number) => Math.min(barWidth, Math.max(0, Math.round(((t - t0) / span) * barWidth)))
  return units.map((u, i) => {
    const name = escapeTags(pad(u.name, nameWidth))
    if (!u.startedAt) return `${name} ${' '.repeat(barWidth)} ${pad(u.state, labelWidth)}`
    const a = col(u.startedAt)
    const b = Math.max(a + 1, col(ends[i]))
    const color = STATE_COLOR[u.state] ?? 'white'
    const label = u.readyMs !== undefined ? formatDuration(u.readyMs) : `${u.state}…`
    const bar = `${' '.repeat(a)}{${color}-fg}${'█'.repeat(b - a)}{/${color}-fg}${' '.repeat(Math.max(0, barWidth - b))}`
    return `${name} ${bar} ${escapeTags(pad(label, labelWidth))}`
  })
}

/** Stop countdowns: how long each unit still has before it is forced. */
export function countdownRows(
  units: UnitStatus[],
  stoppingSince: Map<string, number>,
  timeouts: Record<string, number>,
  now: number,
  defaultTimeout = 10_000,
): string[] {
  const nameWidth = Math.min(14, Math.max(4, ...units.map((u) => u.name.length)))
  return units.map((u) => {
    const name = escapeTags(pad(u.name, nameWidth))
    if (u.state === 'stopped' || u.state === 'exited' || u.state === 'failed') {
      return `${name} gone`
    }
    const since = stoppingSince.get(u.name)
    if (u.state !== 'stopping' || since === undefined) return `${name} {yellow-fg}waiting to stop{/yellow-fg}`
    const left = Math.max(0, (timeouts[u.name] ?? defaultTimeout) - (now - since))
    return `${name} {cyan-fg}stopping, ${formatDuration(left)} before it is forced{/cyan-fg}`
  })
}
