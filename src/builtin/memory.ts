/**
 * Keeps a streaming server's memory flat. Every socket read allocates a fresh 64 KiB buffer; V8 frees dead buffers
 * only at a garbage collection, and with little JavaScript allocated per byte it may let tens of MB of them pile up
 * first. When more than `limit` bytes of ArrayBuffers are alive, a minor (young-generation) collection, well under a
 * millisecond, hands them back. Used by the `serve` processes only; in-process servers (tests) leave the host's GC
 * alone.
 */
import v8 from 'node:v8'
import vm from 'node:vm'

type Gc = (options?: {type?: 'minor' | 'major'}) => void

export function startMemoryGovernor(options: {limitBytes?: number; intervalMs?: number} = {}): () => void {
  const limit = options.limitBytes ?? 8 * 1024 * 1024
  let gc: Gc | undefined
  try {
    // --expose-gc set at run time makes `gc` available to new contexts; the flag only adds that global.
    v8.setFlagsFromString('--expose-gc')
    gc = vm.runInNewContext('gc') as Gc
  } catch {
    gc = undefined
  }
  if (typeof gc !== 'function') return () => {}
  const collect = gc
  const timer = setInterval(() => {
    if (process.memoryUsage().arrayBuffers > limit) collect({type: 'minor'})
  }, options.intervalMs ?? 25)
  timer.unref()
  return () => clearInterval(timer)
}
