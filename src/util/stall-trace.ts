/**
 * Diagnostics only (a trace env var turns it on): records when this process's event loop stalled, how much of the
 * stall it spent running (the rest it waited for a core), and its garbage collector's longer pauses. A key press or
 * a request that arrives during a stall waits for it to end; bench/dashboard reads these lines to say which it was.
 *
 * Lines: `stall <epoch ms at start> <ms> <cpu ms>` and `gc <epoch ms at start> <ms> <minor|major|…>`.
 */
import {constants, type PerformanceEntry, PerformanceObserver} from 'node:perf_hooks'

function gcKind(entry: PerformanceEntry): string {
  const kind = ((entry as {detail?: unknown}).detail as {kind?: number} | undefined)?.kind
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) return 'minor'
  if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) return 'major'
  if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) return 'incremental'
  return 'other'
}

/** Starts tracing into `push`; returns the function that stops it. */
export function traceStalls(push: (line: string) => void, thresholdMs = 25): () => void {
  let last = performance.now()
  let lastCpu = process.cpuUsage()
  const timer = setInterval(() => {
    const now = performance.now()
    const cpu = process.cpuUsage()
    if (now - last > thresholdMs) {
      // User + system time of every thread, so a parallel GC can make this exceed the stall itself.
      const ran = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000
      push(`stall ${(performance.timeOrigin + last).toFixed(1)} ${(now - last).toFixed(1)} ${ran.toFixed(1)}`)
    }
    last = now
    lastCpu = cpu
  }, 5)
  timer.unref()
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.duration > 5)
        push(`gc ${(performance.timeOrigin + e.startTime).toFixed(1)} ${e.duration.toFixed(1)} ${gcKind(e)}`)
  })
  gc.observe({entryTypes: ['gc']})
  return () => {
    clearInterval(timer)
    gc.disconnect()
  }
}
