/**
 * The control socket under backpressure: a slow client loses log lines (and is told), never state events, and
 * once it has caught up it gets the latest lines again, so that a view that follows shows the present.
 */
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import {BEHIND, type SessionHost, serveControl} from '../../src/session/control-server.js'
import type {LogLine, SessionEvent, SessionStatus} from '../../src/session/protocol.js'
import {tempDir} from '../helpers/index.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A control socket over a host that remembers the lines it emits. */
async function serveFake() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const listeners = new Set<(e: SessionEvent) => void>()
  const sent: LogLine[] = []
  const status = {units: []} as unknown as SessionStatus
  const host: SessionHost = {
    status: () => status,
    apiKey: () => undefined,
    tail: (names, n) => sent.filter((l) => names.includes(l.unit)).slice(-n),
    subscribe: (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    unitAction: async () => undefined,
    shutdown: () => undefined,
  }
  const socketPath = path.join(t.dir, 'c.sock')
  const server = await serveControl(host, socketPath)
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  const emit = (e: SessionEvent) => {
    if (e.type === 'log') sent.push(e.log)
    for (const l of listeners) l(e)
  }
  return {socketPath, emit, listeners}
}

it('a client that stops reading /events misses log lines with a note, but gets every unit event', async () => {
  const {socketPath, emit} = await serveFake()
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({socketPath, path: '/events'}, resolve).on('error', reject)
  })
  res.pause() // a client that has stopped reading
  const line = 'x'.repeat(1000)
  // ~20 MB of log events: far past the 1 MB the socket may buffer for one client.
  for (let i = 0; i < 20_000; i++) emit({type: 'log', log: {unit: 'web', stream: 'stdout', line, ts: i}})
  emit({type: 'unit', unit: {name: 'web', kind: 'server', state: 'exited', exitCode: 3, restarts: 0, logFile: 'x'}})

  const events: SessionEvent[] = []
  let rest = ''
  res.setEncoding('utf8')
  res.on('data', (chunk: string) => {
    rest += chunk
    const lines = rest.split('\n')
    rest = lines.pop() ?? ''
    for (const l of lines) if (l) events.push(JSON.parse(l) as SessionEvent)
  })
  res.resume()
  // Once the client has caught up, with nothing new emitted, it gets the note of what it missed, then the
  // latest lines again, up to the very last one.
  const last = () => events.filter((e) => e.type === 'log').at(-1)
  while (!(last()?.type === 'log' && (last() as {log: LogLine}).log.ts === 19_999))
    await new Promise((r) => setTimeout(r, 20))
  emit({type: 'log', log: {unit: 'web', stream: 'stdout', line: 'after', ts: 1}})
  emit({type: 'shutdown', phase: 'end'})
  await new Promise((r) => res.on('end', r))

  const logs = events.filter((e) => e.type === 'log')
  expect(logs.length).toBeLessThan(20_000)
  expect(events.some((e) => e.type === 'unit' && e.unit.state === 'exited' && e.unit.exitCode === 3)).toBe(true)
  const noteAt = logs.findIndex(
    (e) => e.type === 'log' && /log lines skipped: this client fell behind/.test(e.log.line),
  )
  const note = logs[noteAt]
  expect(note?.type === 'log' && note.log.line).toMatch(
    new RegExp(`; the latest ${BEHIND.events.catchUpLines} follow$`),
  )
  // What came after the note: the last lines in order, then the new one.
  const again = BEHIND.events.catchUpLines
  const afterNote = logs.slice(noteAt + 1)
  expect(afterNote.map((e) => (e.type === 'log' ? e.log.ts : -1))).toEqual([
    ...Array.from({length: again}, (_, i) => 20_000 - again + i),
    1,
  ])
  expect(logs.at(-1)?.type === 'log' && logs.at(-1)?.log.line).toBe('after')
})

it('lines emitted in one turn go out as one HTTP chunk, in order, and the stream ends after them', async () => {
  const {socketPath, emit, listeners} = await serveFake()
  // The raw response, to count its chunked-encoding frames (an http client would join them).
  const socket = net.connect(socketPath)
  socket.write('GET /events HTTP/1.1\r\nHost: session\r\n\r\n')
  let raw = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    raw += chunk
  })
  while (listeners.size === 0) await new Promise((r) => setTimeout(r, 5))
  for (let i = 0; i < 1000; i++) emit({type: 'log', log: {unit: 'web', stream: 'stdout', line: `line ${i}`, ts: i}})
  emit({type: 'shutdown', phase: 'end'})
  await new Promise((r) => socket.on('end', r))
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4)
  // Frames: "<hex size>\r\n<data>\r\n", then "0\r\n\r\n".
  const frames: string[] = []
  for (let at = 0; ; ) {
    const eol = body.indexOf('\r\n', at)
    const size = Number.parseInt(body.slice(at, eol), 16)
    if (size === 0) break
    frames.push(body.slice(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  const events = frames
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SessionEvent)
  expect(events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.log.line : ''))).toEqual(
    Array.from({length: 1000}, (_, i) => `line ${i}`),
  )
  expect(events.at(-1)).toEqual({type: 'shutdown', phase: 'end'})
  // The status event (written when the client came), then the turn's 1001 events together: one per line
  // would be 1002 frames.
  expect(frames.length).toBeLessThanOrEqual(2)
})
