/**
 * The dashboard's key table IS its key bindings: one row per key with its help text and what it does. The key
 * handler looks keys up here and the `?` overlay is drawn from the same rows, so adding a key touches one row.
 * The rows act through KeyContext, what the screen (app.ts) offers them.
 */
import {escapeTags} from './text.js'
import type {LogView} from './view.js'

/** What a key can do to the screen. */
export interface KeyContext {
  focus: 'list' | 'log'
  zoom: 'list' | 'log' | undefined
  readonly selected: number
  readonly view: LogView
  /** Lines the log pane shows. */
  readonly logHeight: number
  select(index: number): void
  scrollLog(delta: number): void
  say(message: string): void
  toggleHelp(): void
  prompt(kind: 'search' | 'filter'): void
  act(action: 'restart'): void
  /** Stops the selected process, or starts it when it has stopped. */
  stopOrStart(): void
  openPager(): void
  toggleFlow(): void
  detach(): void
  /** `q`: detaches, or asks before stopping the session. */
  quit(): void
}

export interface KeyBinding {
  /** Blessed key names (`key.full`) that trigger it. */
  keys: string[]
  /** How the help shows the keys. */
  label: string
  help: string
  run(d: KeyContext): void
}

const page = (d: KeyContext) => Math.max(1, d.logHeight - 1)
const noMatch = (d: KeyContext, which: 'newer' | 'older') =>
  d.say(d.view.search ? `no ${which} match` : 'no search: press /')

export const KEYS: KeyBinding[] = [
  {
    keys: ['up', 'k'],
    label: '↑ k',
    help: 'select the process above (list), scroll up a line (log pane)',
    run: (d) => (d.focus === 'log' ? d.scrollLog(-1) : d.select(d.selected - 1)),
  },
  {
    keys: ['down', 'j'],
    label: '↓ j',
    help: 'select the process below (list), scroll down a line (log)',
    run: (d) => (d.focus === 'log' ? d.scrollLog(1) : d.select(d.selected + 1)),
  },
  {
    keys: ['tab', 'S-tab'],
    label: 'Tab',
    help: 'switch pane (process list ↔ log)',
    run: (d) => {
      d.focus = d.focus === 'list' ? 'log' : 'list'
      if (d.zoom) d.zoom = d.focus
    },
  },
  // Blessed reports Enter twice (`return`, then `enter`): bound to one only.
  {
    keys: ['enter'],
    label: 'Enter',
    help: 'zoom the focused pane full-screen (again to restore)',
    run: (d) => {
      d.zoom = d.zoom ? undefined : d.focus
    },
  },
  {
    keys: ['pageup', 'C-b'],
    label: 'PgUp C-b',
    help: 'scroll the log up a page (pauses follow)',
    run: (d) => d.scrollLog(-page(d)),
  },
  {
    keys: ['pagedown', 'C-f', 'space'],
    label: 'PgDn C-f',
    help: 'scroll the log down a page',
    run: (d) => d.scrollLog(page(d)),
  },
  {keys: ['home', 'g'], label: 'Home g', help: 'go to the oldest line kept', run: (d) => d.view.toStart()},
  {keys: ['end', 'f', 'S-g', 'G'], label: 'End f G', help: 'follow the newest lines again', run: (d) => d.view.toEnd()},
  {keys: ['/'], label: '/', help: 'search (highlights matches)', run: (d) => d.prompt('search')},
  {
    keys: ['n'],
    label: 'n',
    help: 'next (newer) match',
    run: (d) => d.view.findNext(1, d.logHeight) || noMatch(d, 'newer'),
  },
  {
    keys: ['S-n', 'N'],
    label: 'N',
    help: 'previous (older) match',
    run: (d) => d.view.findNext(-1, d.logHeight) || noMatch(d, 'older'),
  },
  {keys: ['&'], label: '&', help: 'filter: show only matching lines (empty to clear)', run: (d) => d.prompt('filter')},
  {keys: ['p'], label: 'p', help: "open the selected process's full log file in $PAGER", run: (d) => d.openPager()},
  {keys: ['r'], label: 'r', help: 'restart the selected process', run: (d) => d.act('restart')},
  {keys: ['s'], label: 's', help: 'stop / start the selected process', run: (d) => d.stopOrStart()},
  {keys: ['w'], label: 'w', help: 'show / hide the start-up waterfall', run: (d) => d.toggleFlow()},
  {keys: ['d'], label: 'd', help: 'detach: leave the dashboard, the session keeps running', run: (d) => d.detach()},
  {keys: ['q', 'C-c'], label: 'q', help: 'quit: stop the session (asks once)', run: (d) => d.quit()},
  {
    keys: ['escape'],
    label: 'Esc',
    help: 'close this help, a prompt or the zoom',
    run: (d) => {
      d.zoom = undefined
    },
  },
  {keys: ['?'], label: '?', help: 'this help', run: (d) => d.toggleHelp()},
]

/** Not a key: shown in the help after the keys. */
export const MOUSE_HELP = 'click a process to select it; wheel scrolls the log'

const BY_KEY = new Map(KEYS.flatMap((binding) => binding.keys.map((key) => [key, binding] as const)))

/** The binding of a blessed key name, if any. */
export function bindingFor(key: string): KeyBinding | undefined {
  return BY_KEY.get(key)
}

/** Columns inside the `?` overlay's border: a longer help line is cut off. */
export const HELP_WIDTH = 76

/** The `?` overlay's lines (blessed tags), one per binding, then the mouse. */
export function helpLines(): string[] {
  const row = (label: string, what: string) => ` {bold}${escapeTags(label.padEnd(12))}{/bold} ${escapeTags(what)}`
  return [...KEYS.map((b) => row(b.label, b.help)), row('mouse', MOUSE_HELP)]
}

/** A search (`/`) or filter (`&`) being typed. */
export interface Prompt {
  kind: 'search' | 'filter'
  text: string
}

/**
 * A key while a prompt is open: Esc or Ctrl-C cancels, Enter applies, Backspace and printable characters edit
 * `prompt.text` in place; other keys do nothing.
 */
export function promptKey(prompt: Prompt, ch: string | undefined, name: string): 'cancel' | 'apply' | 'edit' {
  if (name === 'escape' || name === 'C-c') return 'cancel'
  if (name === 'enter') return 'apply'
  if (name === 'backspace') prompt.text = prompt.text.slice(0, -1)
  else if (ch && ch.length === 1 && ch >= ' ' && ch !== '\x7f') prompt.text += ch
  return 'edit'
}
