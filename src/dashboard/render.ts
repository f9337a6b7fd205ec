/**
 * What each pane shows, as blessed-tagged strings: the process list, the start-up waterfall or stop countdowns,
 * the log pane and the status line. Pure functions of the models and `now`, so they are tested without a screen;
 * app.ts only puts them into its boxes.
 */
import type {SessionStatus, UnitStatus} from '../session/protocol.js'
import {countdownRows, headerRow, NAME_COLORS, unitRow, waterfallRows} from './format.js'
import type {Prompt} from './keys.js'
import {renderLine} from './search.js'
import {ALL, type Entry, prepared} from './store.js'
import {escapeTags} from './text.js'
import type {LogView} from './view.js'

/** A pane's border label and its content. */
export interface PaneContent {
  label: string
  content: string
}

// Blessed colour tags; escaped log text never contains a raw brace, so this cannot touch it.
const COLOR_TAG = /\{\/?[a-z-]+-(?:fg|bg)\}/g

/** Drops the colour tags (NO_COLOR); inverse, bold and underline stay. */
export function stripColors(content: string): string {
  return content.replace(COLOR_TAG, '')
}

/** The process list: a header, "all" first, then every unit; `selected` 0 is "all". */
export function listPane(
  status: SessionStatus | undefined,
  units: UnitStatus[],
  selected: number,
  stopping: boolean,
  now: number,
): PaneContent {
  const rows = [` {bold}${escapeTags(headerRow())}{/bold}`]
  const allRow = `{bold}all{/bold} ${' '.repeat(11)}every process, merged`
  rows.push(selected === 0 ? `>{inverse}${allRow}{/inverse}` : ` ${allRow}`)
  units.forEach((unit, i) => {
    const row = unitRow(unit, now)
    rows.push(selected === i + 1 ? `>{inverse}${row}{/inverse}` : ` ${row}`)
  })
  const project = escapeTags(status?.project ?? '…')
  const state = stopping ? 'stopping' : (status?.state ?? 'connecting')
  return {label: ` naaccord · ${project} · ${state} `, content: rows.join('\n')}
}

/** The pane under the list: stop countdowns while stopping, else the start-up waterfall `width` columns wide. */
export function flowPane(
  status: SessionStatus | undefined,
  units: UnitStatus[],
  stopping: {since: Map<string, number>; timeouts: Record<string, number>} | undefined,
  width: number,
  now: number,
): PaneContent {
  if (stopping) {
    return {label: ' stopping ', content: countdownRows(units, stopping.since, stopping.timeouts, now).join('\n')}
  }
  const t0 = status?.startedAt ?? Math.min(now, ...units.map((u) => u.startedAt ?? now))
  return {label: ' start-up: launch → ready ', content: waterfallRows(units, t0, now, width).join('\n')}
}

/**
 * The log pane `height` lines high: the view's window (in the merged view each line prefixed with its unit),
 * and below it the units' work in progress (an image pull, a line per layer) while it lasts, at most half the pane.
 */
export function logPane(view: LogView, units: UnitStatus[], height: number, color: boolean): PaneContent {
  const merged = view.key === ALL
  const progress = units
    .filter((u) => u.progress?.length && (merged || u.name === view.key))
    .flatMap((u) => (u.progress ?? []).map((p) => `⇣ ${escapeTags(u.name)}  ${escapeTags(p)}`))
    .slice(0, Math.floor(height / 2))
    .map((row) => (color ? `{cyan-fg}${row}{/cyan-fg}` : row))
  const lines = view.window(height - progress.length)
  const names = units.map((u) => u.name)
  const nameWidth = Math.max(3, ...names.map((n) => n.length))
  const out = lines.map(({seq, entry}) => {
    const {line, plain} = prepared(entry)
    const body = renderLine(color ? line : plain, plain, view.search, seq === view.current)
    // Reset after the body so a colour left open by the process never bleeds into the next line.
    return merged ? `${linePrefix(entry, names, nameWidth)}${body}\x1b[0m` : `${body}\x1b[0m`
  })
  const mode = view.follow ? '{green-fg}FOLLOW{/green-fg}' : '{yellow-fg}PAUSED{/yellow-fg} (End/f follows)'
  const filter = view.filter ? ` · filter "${escapeTags(view.filter.query)}"` : ''
  const search = view.search ? ` · search "${escapeTags(view.search.query)}"` : ''
  const label = ` logs: ${merged ? 'all' : escapeTags(view.key)} · ${mode}${filter}${search} `
  return {label, content: [...out, ...progress].join('\n')}
}

/** A merged-view line's prefix: the unit's name in its colour, and `!` for stderr, `*` for naaccord's own lines. */
export function linePrefix(entry: Entry, names: string[], width: number): string {
  const i = names.indexOf(entry.unit)
  const color = NAME_COLORS[(i === -1 ? names.length : i) % NAME_COLORS.length]
  const mark = entry.stream === 'stderr' ? '!' : entry.stream === 'system' ? '*' : '│'
  return `{${color}-fg}${escapeTags(entry.unit.padEnd(width))} ${mark}{/${color}-fg} `
}

export interface StatusLineState {
  prompt: Prompt | undefined
  confirmQuit: boolean
  message: string
  /** Until when (ms) the message shows. */
  messageUntil: number
}

/** The bottom line: the prompt being typed, the quit question, or a recent message and the main keys. */
export function statusLine(state: StatusLineState, now: number): string {
  if (state.prompt) {
    const sign = state.prompt.kind === 'search' ? '/' : 'filter (&): '
    return ` ${sign}${escapeTags(state.prompt.text)}█   (Enter applies, Esc cancels)`
  }
  if (state.confirmQuit)
    return ' {yellow-fg}{bold}Stop the session and quit? (y/n){/bold}{/yellow-fg}  d detaches instead'
  const message = now < state.messageUntil ? ` {yellow-fg}${escapeTags(state.message)}{/yellow-fg} ·` : ''
  return `${message} ? help · / search · & filter · r restart · s stop/start · d detach · q quit`
}
