/**
 * Batched rendering: any number of invalidations within a frame become one render, at most `fps` times a second.
 * A log flood then costs ~30 renders a second however many lines arrive. Two refinements keep keys snappy:
 * - a key press (`urgent`) renders on the next tick instead of waiting for the frame slot;
 * - frames are spaced by at least twice the time the last render took. Writing to a terminal blocks while the
 *   terminal is behind, so a slow terminal (tmux, ssh) gets fewer frames instead of a growing queue of stale ones
 *   that every key press would wait behind.
 */
export class RenderScheduler {
  private timer: NodeJS.Timeout | undefined
  private urgentTimer: NodeJS.Immediate | undefined
  private last = 0
  private cost = 0
  private readonly interval: number
  renders = 0

  constructor(
    private readonly render: () => void,
    fps = 30,
    /** The clock frames are spaced by (ms); a test passes its own. */
    private readonly now: () => number = Date.now,
  ) {
    this.interval = 1000 / fps
  }

  /** Asks for a render on the next frame slot (right away when the last one is old enough). */
  invalidate(urgent = false): void {
    if (urgent) {
      if (!this.urgentTimer) this.urgentTimer = setImmediate(() => this.run())
      return
    }
    if (this.timer || this.urgentTimer) return
    const wait = Math.max(0, this.last + Math.max(this.interval, this.cost * 2) - this.now())
    this.timer = setTimeout(() => this.run(), wait)
  }

  private run(): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.urgentTimer) clearImmediate(this.urgentTimer)
    this.timer = undefined
    this.urgentTimer = undefined
    const start = this.now()
    this.renders++
    this.render()
    this.last = this.now()
    this.cost = this.last - start
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.urgentTimer) clearImmediate(this.urgentTimer)
    this.timer = undefined
    this.urgentTimer = undefined
  }
}
