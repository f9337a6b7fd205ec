/**
 * Batched rendering: any number of invalidations within a frame become one render, at most `fps` times a second.
 * A log flood then costs ~30 renders a second however many lines arrive, and a key press waits at most one frame.
 */
export class RenderScheduler {
  private timer: NodeJS.Timeout | undefined
  private last = 0
  private readonly interval: number
  renders = 0

  constructor(
    private readonly render: () => void,
    fps = 30,
  ) {
    this.interval = 1000 / fps
  }

  /** Asks for a render; it happens on the next frame slot (right away when the last one is old enough). */
  invalidate(): void {
    if (this.timer) return
    const wait = Math.max(0, this.last + this.interval - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.last = Date.now()
      this.renders++
      this.render()
    }, wait)
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}
