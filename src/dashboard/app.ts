/**
 * The blessed screen, wiring only: events from the SessionSource go into the models (LogStore, SessionModel),
 * the panes are drawn from them by render.ts on a batched schedule, and keys and mouse go through the key table
 * (keys.ts) into model changes or session actions. It knows the session only as a SessionSource.
 */
import {writeFileSync} from 'node:fs'
import blessed from 'blessed'
import type {UnitStatus} from '../session/protocol.js'
import {traceStalls} from '../util/stall-trace.js'
import {beginWork, overBudget} from '../util/turn-budget.js'
import {bindingFor, HELP_WIDTH, helpLines, type KeyContext, type Prompt, promptKey} from './keys.js'
import {layout} from './layout.js'
import {runPager} from './pager.js'
import {REFILL_LINES, Refill} from './refill.js'
import {flowPane, listPane, logPane, type PaneContent, statusLine, stripColors} from './render.js'
import {RenderScheduler} from './schedule.js'
import type {SessionSource} from './source.js'
import {ALL, LogStore} from './store.js'
import {SessionModel} from './units.js'
import {LogView} from './view.js'

export type DashboardExit = 'detached' | 'quit' | 'ended'

export interface DashboardOptions {
  source: SessionSource
  /** Whether `q` stops the session (after asking once). When false, `q` detaches like `d`. */
  quitStopsSession?: boolean
  /** Stop timeout per unit name, for the stop countdowns (default 10 s). */
  stopTimeouts?: Record<string, number>
  /** Scrollback per process, in bytes (default 2 MiB). */
  unitBytes?: number
  /** Log lines per unit fetched on attach (default 500). */
  tailLines?: number
  /** Frames per second at most (default 30). */
  fps?: number
  /** Pager command (default $PAGER, else `less -R`). */
  pager?: string
  /** Colours on the screen (default: unless NO_COLOR is set). Inverse, bold and underline stay either way. */
  color?: boolean
}

const TERMINAL_STATES = new Set(['stopped', 'exited', 'failed'])

export class Dashboard {
  private readonly screen: blessed.Widgets.Screen
  private readonly listBox: blessed.Widgets.BoxElement
  private readonly flowBox: blessed.Widgets.BoxElement
  private readonly logBox: blessed.Widgets.BoxElement
  private readonly statusBar: blessed.Widgets.BoxElement
  private readonly helpBox: blessed.Widgets.BoxElement
  private readonly store: LogStore
  private readonly view: LogView
  private readonly scheduler: RenderScheduler
  private readonly abort = new AbortController()
  private readonly tick: NodeJS.Timeout

  private readonly session = new SessionModel()
  private selected = 0
  private focus: 'list' | 'log' = 'list'
  private zoom: 'list' | 'log' | undefined
  private prompt: Prompt | undefined
  private confirmQuit = false
  private readonly refill = new Refill()
  /** Units whose latest lines are being fetched (one request at a time each). */
  private readonly fetching = new Set<string>()
  private message = ''
  private messageUntil = 0
  private paused = false
  private finished = false
  private readonly color: boolean
  /** NAACCORD_DASHBOARD_TRACE=<file>: key and frame times, written on exit (bench/dashboard reads them). */
  private readonly traceFile = process.env.NAACCORD_DASHBOARD_TRACE
  private readonly trace: string[] = []
  private resolveExit!: (how: DashboardExit) => void
  readonly done: Promise<DashboardExit>

  constructor(private readonly opts: DashboardOptions) {
    this.color = opts.color ?? (process.env.NO_COLOR === undefined || process.env.NO_COLOR === '')
    this.store = new LogStore({unitBytes: opts.unitBytes})
    this.view = new LogView(this.store)
    this.done = new Promise((resolve) => {
      this.resolveExit = resolve
    })
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: true,
      // Box lines and dots as Unicode even when the locale is unset (tmux, ssh): ACS fallbacks garble them.
      forceUnicode: true,
      autoPadding: false,
      title: 'naaccord',
      // The dashboard handles Ctrl-C itself (as q), so blessed must not exit the process.
      ignoreLocked: ['C-c'],
    })
    // Draw box lines as Unicode, never through the ACS alternate charset (SO/SI): with forceUnicode the terminal
    // gets plain UTF-8, which every terminal of this decade shows, and which tmux capture-pane reads back as is.
    ;(this.screen as unknown as {tput: {brokenACS: boolean}}).tput.brokenACS = true
    const base = {parent: this.screen, tags: true, border: {type: 'line' as const}, wrap: false}
    this.listBox = blessed.box({...base, top: 0, left: 0, width: '100%', height: 5, clickable: true})
    this.flowBox = blessed.box({...base, top: 5, left: 0, width: '100%', height: 4, hidden: true})
    this.logBox = blessed.box({...base, top: 5, left: 0, width: '100%', height: 10, clickable: true})
    this.statusBar = blessed.box({parent: this.screen, tags: true, bottom: 0, left: 0, width: '100%', height: 1})
    this.helpBox = blessed.box({
      ...base,
      top: 'center',
      left: 'center',
      width: HELP_WIDTH + 2,
      height: helpLines().length + 4,
      hidden: true,
      label: ' keys ',
      style: {border: {fg: 'cyan'}},
      content: helpLines().join('\n'),
    })
    this.scheduler = new RenderScheduler(() => this.render(), opts.fps ?? 30)
    this.screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg) => {
      try {
        this.onKey(ch, key)
      } catch (error) {
        this.fail(error)
      }
    })
    this.screen.on('resize', () => this.scheduler.invalidate())
    this.listBox.on('click', (data: blessed.Widgets.Events.IMouseEventArg) => {
      // Row 0 of the box is its border, row 1 the header, then "all" and the units.
      const row = data.y - (this.listBox.atop as number) - 2
      if (row >= 0 && row <= this.session.units.length) this.select(row)
      this.focus = 'list'
      this.scheduler.invalidate(true)
    })
    this.logBox.on('click', () => {
      this.focus = 'log'
      this.scheduler.invalidate(true)
    })
    this.logBox.on('wheelup', () => this.scrollLog(-3))
    this.logBox.on('wheeldown', () => this.scrollLog(3))
    this.screen.enableMouse()
    // Uptimes and countdowns move on their own; every 2 s the status is re-read, because a session under a log
    // flood may drop events for a slow client, unit changes included.
    let ticks = 0
    this.tick = setInterval(() => {
      this.scheduler.invalidate()
      if (++ticks % 2 === 0) this.resync()
    }, 1000)
    this.scheduler.invalidate()
    if (this.traceFile) {
      const stop = traceStalls((line) => this.trace.push(line))
      this.abort.signal.addEventListener('abort', stop)
    }
  }

  /** Attaches to the session: fills the scrollback, then follows events until the dashboard exits. */
  async run(): Promise<DashboardExit> {
    this.consume().catch((error) => this.fail(error))
    return this.done
  }

  private async consume(): Promise<void> {
    const signal = this.abort.signal
    const events = this.opts.source.events(signal)[Symbol.asyncIterator]()
    // Subscribe first, then fetch the tail, so no line falls between the two; the stream's lines the tail already
    // brought (or older ones) are dropped as for a selection's fetch (refill.ts).
    const first = await events.next()
    const tail = await this.opts.source.tail(this.opts.tailLines ?? 500, signal).catch(() => [])
    for (const unit of new Set(tail.map((l) => l.unit))) this.refill.apply(this.store, unit, tail)
    let result = first
    while (!result.done) {
      beginWork()
      for (const event of result.value) {
        if (event.type === 'log') {
          if (!this.refill.stale(event.log)) this.store.append(event.log)
        } else if (this.session.apply(event, Date.now()) && !this.finished) this.finish('quit')
      }
      this.scheduler.invalidate()
      // Batches already buffered arrive as promise resolutions, which run before any I/O: under a flood this loop
      // could hold the process for tens of ms while a key press waits on stdin. A new turn of the event loop once
      // this one has spent a few ms here lets keys (and frames) in.
      if (overBudget(SLICE_MS)) await new Promise((resolve) => setImmediate(resolve))
      result = await events.next()
    }
    if (!this.finished) this.finish(this.session.stopping ? 'quit' : 'ended')
  }

  private resyncing = false

  private resync(): void {
    const source = this.opts.source
    if (!source.status || this.resyncing || this.finished || !this.session.status) return
    this.resyncing = true
    source
      .status()
      .then((status) => {
        if (this.finished) return
        this.session.resynced(status, Date.now())
        this.scheduler.invalidate()
      })
      // The session going away is reported by the event stream ending.
      .catch(() => undefined)
      .finally(() => {
        this.resyncing = false
      })
  }

  private get selectedUnit(): UnitStatus | undefined {
    return this.selected === 0 ? undefined : this.session.units[this.selected - 1]
  }

  private select(index: number): void {
    this.selected = Math.max(0, Math.min(this.session.units.length, index))
    const unit = this.selectedUnit?.name
    this.view.select(unit ?? ALL)
    if (unit) this.fetchLatest(unit)
  }

  /** The unit's latest lines on a connection of their own: the pane shows the present even if the stream is behind. */
  private fetchLatest(unit: string): void {
    if (this.fetching.has(unit) || this.finished) return
    this.fetching.add(unit)
    if (this.traceFile) this.trace.push(`fetch ${epochMs().toFixed(1)} ${unit}`)
    this.opts.source
      .tail(REFILL_LINES, this.abort.signal, [unit])
      .then((lines) => {
        const added = this.finished ? 0 : this.refill.apply(this.store, unit, lines)
        if (this.traceFile) this.trace.push(`fetched ${epochMs().toFixed(1)} ${unit} ${lines.length} ${added}`)
        if (added > 0) this.scheduler.invalidate(true)
      })
      // A session going away is reported by the event stream ending.
      .catch(() => undefined)
      .finally(() => this.fetching.delete(unit))
  }

  private get logHeight(): number {
    return Math.max(1, (this.logBox.height as number) - 2)
  }

  private scrollLog(delta: number): void {
    this.view.scroll(delta, this.logHeight)
    this.scheduler.invalidate(true)
  }

  private say(message: string, ms = 4000): void {
    this.message = message
    this.messageUntil = Date.now() + ms
    this.scheduler.invalidate()
  }

  private onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg): void {
    const name = key?.full ?? key?.name ?? ch ?? ''
    if (this.finished) return
    if (this.traceFile) this.trace.push(`key ${epochMs().toFixed(1)} ${name}`)
    this.scheduler.invalidate(true)
    if (this.prompt) {
      this.onPromptKey(ch, name)
      return
    }
    if (this.confirmQuit) {
      this.confirmQuit = false
      if (name === 'y' || name === 'q' || name === 'S-y') this.quit()
      else this.say('quit cancelled: the session keeps running')
      return
    }
    if (!this.helpBox.hidden && name !== '?') {
      this.helpBox.hide()
      if (name === 'escape' || name === 'q') return
    }
    bindingFor(name)?.run(this.keyContext)
  }

  /** What the key table (keys.ts) acts through. */
  private readonly keyContext: KeyContext = (() => {
    const d = this
    return {
      get focus() {
        return d.focus
      },
      set focus(focus) {
        d.focus = focus
      },
      get zoom() {
        return d.zoom
      },
      set zoom(zoom) {
        d.zoom = zoom
      },
      get selected() {
        return d.selected
      },
      get view() {
        return d.view
      },
      get logHeight() {
        return d.logHeight
      },
      select: (index) => d.select(index),
      scrollLog: (delta) => d.scrollLog(delta),
      say: (message) => d.say(message),
      toggleHelp: () => {
        d.helpBox.toggle()
        if (!d.helpBox.hidden) d.helpBox.setFront()
      },
      prompt: (kind) => {
        d.prompt = {kind, text: kind === 'filter' ? (d.view.filter?.query ?? '') : ''}
      },
      act: (action) => d.act(action),
      stopOrStart: () => {
        const unit = d.selectedUnit
        if (unit) d.act(TERMINAL_STATES.has(unit.state) ? 'start' : 'stop')
        else d.say('select a process first (↑/↓)')
      },
      openPager: () => d.openPager(),
      toggleFlow: () => {
        d.session.showFlow = !d.session.flowVisible(Date.now())
      },
      detach: () => d.finish('detached'),
      quit: () => {
        if (d.opts.quitStopsSession === false) d.finish('detached')
        else if (d.session.stopping) d.say('stopping… (d detaches now)')
        else d.confirmQuit = true
      },
    }
  })()

  private onPromptKey(ch: string | undefined, name: string): void {
    const prompt = this.prompt!
    const what = promptKey(prompt, ch, name)
    if (what === 'edit') return
    this.prompt = undefined
    if (what === 'cancel') return
    if (prompt.kind === 'filter') {
      this.view.setFilter(prompt.text)
      if (prompt.text) this.say(`filter: only lines with "${prompt.text}"`)
      return
    }
    this.view.setSearch(prompt.text)
    if (prompt.text && !this.view.findNext(-1, this.logHeight)) this.say(`not found: ${prompt.text}`)
  }

  private act(action: 'restart' | 'stop' | 'start'): void {
    const unit = this.selectedUnit
    if (!unit) {
      this.say('select a process first (↑/↓)')
      return
    }
    this.say(`${action} ${unit.name}…`)
    this.opts.source.unitAction(unit.name, action).then(
      (res) => this.say(res.ok ? `${action} ${unit.name}: done` : `${action} ${unit.name} failed: ${res.error ?? '?'}`),
      (error: Error) => this.say(`${action} ${unit.name} failed: ${error.message}`),
    )
  }

  private quit(): void {
    this.session.stopping = true
    this.session.showFlow = true
    this.say('stopping the session…', 60_000)
    this.opts.source.shutdown().then(
      (res) => {
        if (!res.ok) this.say(`stop failed: ${res.error ?? '?'}`)
      },
      // The socket closing under us while the session stops is the expected end, not an error.
      () => undefined,
    )
  }

  private openPager(): void {
    const files = this.selectedUnit ? [this.selectedUnit.logFile] : this.session.units.map((u) => u.logFile)
    if (files.length === 0) {
      this.say('no log file yet')
      return
    }
    const pager = this.opts.pager ?? process.env.PAGER ?? 'less -R'
    this.paused = true
    runPager(this.screen, pager, files, (error) => {
      this.paused = false
      this.scheduler.invalidate()
      if (error) this.say(`pager failed: ${error.message}`)
    })
  }

  private layout(now: number): void {
    const {units} = this.session
    const panes = layout(this.screen.height as number, units.length, this.session.flowVisible(now), this.zoom)
    for (const [box, pane] of [
      [this.listBox, panes.list],
      [this.flowBox, panes.flow],
      [this.logBox, panes.log],
    ] as const) {
      box.hidden = pane.hidden
      if (!pane.hidden) {
        box.top = pane.top
        box.height = pane.height
      }
    }
  }

  private render(): void {
    if (this.finished || this.paused) return
    const now = Date.now()
    const {status, units, stopping} = this.session
    this.layout(now)
    // Only the focused pane's border is coloured ("gray" is black on 8-colour terminals such as tmux's default).
    const focused = this.color ? {fg: 'cyan'} : {bold: true}
    this.listBox.style.border = this.focus === 'list' ? focused : {}
    this.logBox.style.border = this.focus === 'log' ? focused : {}
    this.paint(this.listBox, listPane(status, units, this.selected, stopping, now))
    if (!this.flowBox.hidden) {
      const countdowns = stopping
        ? {since: this.session.stoppingSince, timeouts: this.opts.stopTimeouts ?? {}}
        : undefined
      this.paint(this.flowBox, flowPane(status, units, countdowns, (this.flowBox.width as number) - 2, now))
    }
    if (!this.logBox.hidden) this.paint(this.logBox, logPane(this.view, units, this.logHeight, this.color))
    const {prompt, confirmQuit, message, messageUntil} = this
    const line = statusLine({prompt, confirmQuit, message, messageUntil}, now)
    this.statusBar.setContent(this.color ? line : stripColors(line))
    this.screen.render()
    if (this.traceFile) this.trace.push(`frame ${epochMs().toFixed(1)}`)
  }

  /** Puts a pane's label and content into its box, without colour tags under NO_COLOR. */
  private paint(box: blessed.Widgets.BoxElement, pane: PaneContent): void {
    box.setLabel(this.color ? pane.label : stripColors(pane.label))
    box.setContent(this.color ? pane.content : stripColors(pane.content))
  }

  private finish(how: DashboardExit): void {
    if (this.finished) return
    this.finished = true
    this.destroy()
    this.resolveExit(how)
  }

  private fail(error: unknown): void {
    if (this.finished) return
    this.finished = true
    this.destroy()
    // The terminal is restored first, so the error is readable.
    process.stderr.write(`naaccord dashboard: ${(error as Error)?.stack ?? String(error)}\n`)
    this.resolveExit('ended')
  }

  /** Puts the terminal back: normal screen, cursor, no mouse reporting. Safe to call more than once. */
  destroy(): void {
    if (this.traceFile && this.trace.length > 0) {
      writeFileSync(this.traceFile, `${this.trace.join('\n')}\n`)
      this.trace.length = 0
    }
    this.abort.abort()
    clearInterval(this.tick)
    this.scheduler.dispose()
    try {
      this.screen.destroy()
    } catch {
      // already gone
    }
  }
}

/** The longest the event stream is read without letting keys in (see consume). */
const SLICE_MS = 4

/** Wall-clock ms with sub-ms precision, comparable across processes. */
function epochMs(): number {
  return performance.timeOrigin + performance.now()
}
