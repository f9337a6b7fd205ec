/**
 * Per-turn batching: the one place output is gathered and handed on once per turn of the event loop. Under a log
 * flood a pipe read brings hundreds of lines in one turn; they become one write (one syscall, one HTTP chunk, one
 * parse on the other side) instead of one per line. Used by the foreground printer (session/foreground.ts) and the
 * control socket's NDJSON streams (session/control-server.ts).
 */
import type {Writable} from 'node:stream'

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

/**
 * Hands a turn's parts to a stream in one go, without copying them together: corked, so a stream that can take
 * many buffers at once (a pipe, a socket, a terminal: writev) gets one write, and a file gets one write per part
 * (no Buffer.concat of a flood's megabytes; that copy cost a tenth of the foreground's CPU). Adjacent strings
 * are joined first, so lines that come one by one still make one write.
 */
export function writeParts(stream: Writable, parts: readonly Chunk[]): void {
  stream.cork()
  let text = ''
  for (const part of parts) {
    if (typeof part === 'string') text += part
    else {
      if (text !== '') stream.write(text)
      text = ''
      stream.write(part)
    }
  }
  if (text !== '') stream.write(text)
  stream.uncork()
}
