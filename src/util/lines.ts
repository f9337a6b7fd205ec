/**
 * Output as lines: the one line splitter. Bytes go in, whole lines come out; a line cut at a chunk's end waits, as
 * bytes, for the rest. Nothing is decoded before its line is whole, so a UTF-8 character split across two chunks
 * comes out intact (a newline byte never occurs inside a multi-byte character, so a block of whole lines always
 * decodes cleanly on its own). Used for servers' pipes (supervisor/process-runner.ts) and containers' logs
 * (deps/logs.ts).
 */

/** Lines of a block of whole lines (each ending in \n; a \r before it dropped; a last line without \n kept). */
export function splitLines(block: Buffer): string[] {
  const text = block.toString('utf8')
  const out: string[] = []
  let start = 0
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    out.push(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl))
    start = nl + 1
  }
  if (start < text.length) out.push(text.slice(start))
  return out
}

export interface Splitter {
  push(chunk: Buffer): void
  /** The stream ended: a last line without its newline goes out too. */
  end(): void
}

/**
 * Cuts a byte stream into blocks of whole lines, at each chunk's last newline, without decoding (the log flood path
 * hands the blocks on as they are). Only the line that was cut is copied when it completes: a flood's 64 KiB chunks
 * rarely end on a newline, and copying each whole chunk cost a tenth of the supervisor's time. The last block at
 * `end` gets a newline added.
 */
export function blockSplitter(onBlock: (block: Buffer) => void): Splitter {
  let partial: Buffer[] = []
  return {
    push(chunk) {
      const nl = chunk.lastIndexOf(10)
      if (nl === -1) {
        if (chunk.length > 0) partial.push(chunk)
        return
      }
      let from = 0
      if (partial.length > 0) {
        const first = chunk.indexOf(10)
        const cut = partial
        partial = []
        onBlock(Buffer.concat([...cut, chunk.subarray(0, first + 1)]))
        from = first + 1
      }
      if (nl + 1 > from) onBlock(from === 0 && nl === chunk.length - 1 ? chunk : chunk.subarray(from, nl + 1))
      partial = nl === chunk.length - 1 ? [] : [chunk.subarray(nl + 1)]
    },
    end() {
      if (partial.length === 0) return
      const rest = partial
      partial = []
      onBlock(Buffer.concat([...rest, Buffer.from('\n')]))
    },
  }
}

/** Cuts a byte stream into lines (decoded as UTF-8, a trailing \r dropped). */
export function lineSplitter(onLine: (line: string) => void): Splitter {
  return blockSplitter((block) => {
    for (const line of splitLines(block)) onLine(line)
  })
}

/**
 * A block of whole lines (each ending in \n) with `prefix` before each line, bytes in and bytes out, nothing
 * decoded: `prefix + line + \n` for each line as splitLines would cut it (a \r before the \n dropped). The
 * foreground's per-line work under a flood, done by native string code on the bytes as latin1 (one char per
 * byte, so any bytes, UTF-8 cut anywhere included, come back out unchanged): a JS loop copying line by line
 * cost twice as much.
 */
export function prefixLines(block: Buffer, prefix: Buffer): Buffer {
  if (block.length === 0) return block
  let text = block.toString('latin1')
  if (block.indexOf(13) !== -1) text = text.replaceAll('\r\n', '\n')
  const p = prefix.toString('latin1')
  return Buffer.from(`${p}${text.slice(0, -1).replaceAll('\n', `\n${p}`)}\n`, 'latin1')
}

/** A byte a JSON string cannot hold as it is (controls but \n, `"`, `\`), or one outside ASCII. */
const NOT_PLAIN = /[\x00-\x09\x0b-\x1f"\\\x80-\xff]/

/**
 * Each line of a block of whole lines (as blockSplitter hands them) between `before` and `after`, as bytes, when
 * every byte of it is plain printable ASCII with no `"` or `\`: then a line's JSON string is its bytes in quotes,
 * and the block is wrapped in one pass the way prefixLines prefixes it. undefined for any other block (the caller
 * escapes line by line).
 */
export function wrapPlainLines(block: Buffer, before: Buffer, after: Buffer): Buffer | undefined {
  if (block.length === 0) return block
  const text = block.toString('latin1')
  if (NOT_PLAIN.test(text)) return undefined
  const b = before.toString('latin1')
  const a = after.toString('latin1')
  const body = text.endsWith('\n') ? text.slice(0, -1) : text
  return Buffer.from(`${b}${body.replaceAll('\n', `${a}${b}`)}${a}`, 'latin1')
}
