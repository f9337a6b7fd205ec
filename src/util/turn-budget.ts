/**
 * How long the current turn of the event loop has been busy with work that can wait (a log flood's pipes).
 *
 * libuv reads a readable pipe up to 32 times in one go while the writer keeps it full, and Node hands each read
 * to its 'data' listener at once: under a flood, one turn processed megabytes, and held the supervisor for
 * 100–200 ms while a dashboard's request or a `stop` waited to be accepted. A reader that asks `overBudget()`
 * after each chunk, and pauses until the next turn when it says so, leaves room for everything else. The
 * dashboard's event loop over the session's stream uses the same measure with a smaller budget.
 */
const BUDGET_MS = 8

let started = 0
let armed = false

/**
 * Marks the start of the turn on the first call in it (the turn ends at the event loop's check phase). `now` is
 * the clock in ms (performance.now() unless a test drives it).
 */
function turnElapsed(now: number): number {
  if (!armed) {
    armed = true
    started = now
    setImmediate(() => {
      armed = false
    })
  }
  return now - started
}

/** Call at the start of a chunk's work: counts the turn from there when it is the turn's first. */
export function beginWork(now = performance.now()): void {
  turnElapsed(now)
}

/** True once this turn has spent more than the budget since the first beginWork in it. */
export function overBudget(budgetMs = BUDGET_MS, now = performance.now()): boolean {
  return turnElapsed(now) > budgetMs
}

/** Pauses a stream until the next turn of the event loop when this one is over budget. */
export function yieldIfOverBudget(stream: NodeJS.ReadableStream, budgetMs = BUDGET_MS, now = performance.now()): void {
  if (!overBudget(budgetMs, now) || stream.isPaused()) return
  stream.pause()
  setImmediate(() => stream.resume())
}
