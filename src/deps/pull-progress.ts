/**
 * An image pull's progress, per layer, from the engine's progress events (`{id, status, progressDetail}`, as
 * Docker and podman send them). The runner publishes `lines()` as the unit's `progress` while it pulls, which the
 * dashboard (a terminal) shows per layer; the log, and so prefixed output, gets a `summary()` line now and then.
 */
import type {PullEvent} from './image.js'

interface Layer {
  id: string
  status: string
  current?: number
  total?: number
}

const DONE = /^(pull complete|already exists|download complete|verifying checksum|extracting)/i
const COMPLETE = /^(pull complete|already exists)$/i

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

export class PullProgress {
  private readonly layers = new Map<string, Layer>()

  /** Takes one event; false when it says nothing about a layer (the image's own status lines, errors). */
  update(event: PullEvent): boolean {
    const id = event.id
    // Layer ids are short hex digests; podman also sends events keyed by the image name or without an id.
    if (!id || event.error || !/^[0-9a-f]{6,}$/i.test(id) || !event.status) return false
    const layer = this.layers.get(id) ?? {id, status: event.status}
    layer.status = event.status
    const {current, total} = event.progressDetail ?? {}
    if (total) layer.total = total
    if (current !== undefined) layer.current = current
    if (COMPLETE.test(event.status) && layer.total) layer.current = layer.total
    this.layers.set(id, layer)
    return true
  }

  /** `3 of 6 layers done, 12.3 MB of 45.6 MB`: the figures known so far. */
  summary(): string {
    const all = [...this.layers.values()]
    const done = all.filter((l) => COMPLETE.test(l.status)).length
    const total = all.reduce((n, l) => n + (l.total ?? 0), 0)
    const current = all.reduce((n, l) => n + (DONE.test(l.status) ? (l.total ?? 0) : (l.current ?? 0)), 0)
    return `${done} of ${all.length} layers done${total ? `, ${mb(current)} of ${mb(total)}` : ''}`
  }

  /** One line per layer, in the order the engine named them: `a1b2c3d4e5f6  Downloading  12.3 MB / 45.6 MB`. */
  lines(): string[] {
    return [...this.layers.values()].map((l) => {
      const bytes = l.total && !COMPLETE.test(l.status) ? `  ${mb(l.current ?? 0)} / ${mb(l.total)}` : ''
      return `${l.id.slice(0, 12)}  ${l.status}${bytes}`
    })
  }
}

/**
 * When a pull reports: its layers for a live view at most every `viewMs`, and a summary line in the log every
 * `logMs` from its first event, so that output without a dashboard (--no-dashboard, CI) shows a long pull moving.
 */
export class PullPacer {
  private shownAt = Number.NEGATIVE_INFINITY
  private loggedAt: number | undefined

  constructor(
    private readonly viewMs = 250,
    private readonly logMs = 5000,
  ) {}

  /** True when the view is due an update at `now` (and counts it as done). */
  view(now: number): boolean {
    if (now - this.shownAt < this.viewMs) return false
    this.shownAt = now
    return true
  }

  /** True when the log is due a line at `now` (and counts it as done); never at the first event. */
  log(now: number): boolean {
    this.loggedAt ??= now
    if (now - this.loggedAt < this.logMs) return false
    this.loggedAt = now
    return true
  }
}
