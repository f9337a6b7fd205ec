/**
 * Per-turn batching: the one place output is gathered and handed on once per turn of the event loop. Under a log
 * flood a pipe read brings hundreds of lines in one turn; they become one write (one syscall, one HTTP chunk, one
 * parse on the other side) instead of one per line. Used by the foreground printer (session/foreground.ts) and the
 * control socket's NDJSON streams (session/control-server.ts).
 */

export type Chunk = string | Uint8Array

/**
 * Collects parts and hands them to `sink` once per turn (on setImmediate), or at once when it holds `maxLength`
 * (characters of strings plus bytes of buffers): many writes in one turn become one, in their order. `flush()`
 * hands over what is held now (call it before exiting); `discard()` drops it (the reader went away).
 */
export class TurnWriter<T extends Chunk = Chunk> {
  private parts: T[] = []
  private length = 0
  private pending: NodeJS.Immediate | undefined

  constructor(
    private readonly sink: (parts: T[]) => void,
    private readonly maxLength = 1 << 20,
  ) {}

  /** What is held, in characters and bytes. */
  get held(): number {
    return this.length
  }

  readonly write = (part: T): void => {
    if (part.length === 0) return
    this.parts.push(part)
    this.length += part.length
    if (this.length >= this.maxLength) this.flush()
    else this.pending ??= setImmediate(this.flush)
  }

  readonly flush = (): void => {
    this.cancel()
    if (this.parts.length === 0) return
    const parts = this.parts
    this.parts = []
    this.length = 0
    this.sink(parts)
  }

  discard(): void {
    this.cancel()
    this.parts = []
    this.length = 0
  }

  private cancel(): void {
    if (this.pending) {
      clearImmediate(this.pending)
      this.pending = undefined
    }
  }
}

/** The parts as one string when they all are strings, else as one Buffer (strings encoded as UTF-8). */
export function joinChunks(parts: readonly Chunk[]): string | Buffer {
  if (parts.every((p) => typeof p === 'string')) return (parts as string[]).join('')
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)))
}
