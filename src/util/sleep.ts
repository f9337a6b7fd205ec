/** Waits ms, or less if the signal aborts (at once if it already has). Never rejects: callers check the signal. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}

/**
 * Waits for `promise` (its outcome ignored), or `ms` at most, whichever comes first; the timer is cleared either
 * way, so a wait that ended early keeps no process alive.
 */
export async function atMost(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  const waited = new AbortController()
  await Promise.race([Promise.resolve(promise).catch(() => undefined), sleep(ms, waited.signal)])
  waited.abort()
}
