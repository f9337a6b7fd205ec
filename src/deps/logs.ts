/**
 * A container's output as lines, like a server's: followed, demultiplexed into stdout/stderr, and only from
 * the current start (lines timestamped before State.StartedAt belong to an earlier start and are dropped).
 */
import {PassThrough} from 'node:stream'
import type Docker from 'dockerode'
import {lineSplitter, splitLines} from '../util/lines.js'

export type LineSink = (stream: 'stdout' | 'stderr', line: string) => void

/** `2026-11-29T08:00:00.123456789Z text` → {ts, text}. */
function splitTimestamp(line: string): {ts: string; text: string} {
  const space = line.indexOf(' ')
  if (space < 20 || !/^\d{4}-\d\d-\d\dT/.test(line)) return {ts: '', text: line}
  return {ts: line.slice(0, space), text: line.slice(space + 1)}
}

/** RFC 3339 with nanoseconds → epoch nanoseconds (a bigint: a double cannot hold nanoseconds since 1970). */
export function epochNs(ts: string): bigint | undefined {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts)
  if (!m) return undefined
  const base = Date.parse(`${m[1]}${m[3]}`)
  if (!Number.isFinite(base)) return undefined
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9)
  return BigInt(base) * 1_000_000n + BigInt(frac)
}

export interface LogFollower {
  /** Ends the follow (the stream also ends when the container stops). */
  close(): void
  /** Resolves when the stream has ended. */
  done: Promise<void>
}

export async function followLogs(container: Docker.Container, startedAt: string, sink: LineSink): Promise<LogFollower> {
  const startNs = epochNs(startedAt)
  const since = Math.floor(Date.parse(startedAt) / 1000)
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: true,
    since: Number.isFinite(since) ? since : 0,
  })) as unknown as NodeJS.ReadableStream & {destroy(): void}
  const out = new PassThrough()
  const err = new PassThrough()
  const emit = (which: 'stdout' | 'stderr') => (line: string) => {
    const {ts, text} = splitTimestamp(line)
    // Drop an earlier start's lines from the same second (`since` is in whole seconds). podman stamps lines
    // in whole seconds too: then compare seconds, since StartedAt is a fraction later than its first lines.
    const lineNs = ts ? epochNs(ts) : undefined
    if (lineNs !== undefined && startNs !== undefined) {
      const whole = !ts.includes('.')
      if (whole ? lineNs < (startNs / 1_000_000_000n) * 1_000_000_000n : lineNs < startNs) return
    }
    sink(which, text)
  }
  const outLines = lineSplitter(emit('stdout'))
  const errLines = lineSplitter(emit('stderr'))
  out.on('data', (c: Buffer) => outLines.push(c))
  err.on('data', (c: Buffer) => errLines.push(c))
  container.modem.demuxStream(stream, out, err)
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      outLines.end()
      errLines.end()
      resolve()
    }
    stream.on('end', finish)
    stream.on('close', finish)
    stream.on('error', finish)
  })
  return {close: () => stream.destroy(), done}
}

/** Demultiplexes a non-follow `logs()` Buffer (8-byte frame headers) into lines, for error messages. */
export function demuxBuffer(buf: Buffer): {stream: 'stdout' | 'stderr'; line: string}[] {
  const out: {stream: 'stdout' | 'stderr'; line: string}[] = []
  const framed = buf.length >= 8 && (buf[0] === 1 || buf[0] === 2) && buf[1] === 0 && buf[2] === 0 && buf[3] === 0
  if (!framed) return splitLines(buf).flatMap((line) => (line ? [{stream: 'stdout' as const, line}] : []))
  const splitters = {
    stdout: lineSplitter((line) => out.push({stream: 'stdout', line})),
    stderr: lineSplitter((line) => out.push({stream: 'stderr', line})),
  }
  let i = 0
  while (i + 8 <= buf.length) {
    const which = buf[i] === 2 ? 'stderr' : 'stdout'
    const size = buf.readUInt32BE(i + 4)
    splitters[which].push(buf.subarray(i + 8, i + 8 + size))
    i += 8 + size
  }
  splitters.stdout.end()
  splitters.stderr.end()
  return out
}

/** The container's last lines (both streams), for a start-up error. */
export async function lastLogLines(container: Docker.Container, count = 20): Promise<string[]> {
  try {
    const buf = (await container.logs({follow: false, stdout: true, stderr: true, tail: count})) as unknown as Buffer
    return demuxBuffer(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).map((l) => l.line)
  } catch {
    return []
  }
}
