/**
 * The foreground output path: units' output as bytes (valid UTF-8, cut anywhere) in any chunking comes out byte for
 * byte as the string path printed it (the lines the session's splitter makes, given to event()); a flood in one turn goes out in few
 * writes, every line whole and in order; prefixes coloured unless NO_COLOR says not to; the API key masked; and
 * the whole foreground session does the same.
 */
import {Writable} from 'node:stream'
import chalk from 'chalk'
import {describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan} from '../../src/config/plan.js'
import {runForeground} from '../../src/session/foreground.js'
import {colourWanted, JsonPrinter, PrefixedPrinter} from '../../src/session/output.js'
import {lineSplitter, type Splitter} from '../../src/util/lines.js'
import {type Chunk, TurnWriter} from '../../src/util/turn-writer.js'
import {mulberry32} from '../chaos/seed.js'
import {tempProject} from '../helpers/index.js'

/** A sink that keeps each write apart, to count them. */
function counting() {
  const writes: Chunk[] = []
  return {
    writes,
    write: (t: Chunk) => void writes.push(t),
    text: () => Buffer.concat(writes.map((w) => (typeof w === 'string' ? Buffer.from(w) : w))).toString(),
  }
}

const turn = () => new Promise((r) => setImmediate(r))

type Stream = 'stdout' | 'stderr'
const UNITS = ['web', 'services', 'a-much-longer-name']
const PIECES = ['x', 'hello', ' ', 'é', '✓', '😀', '"', '\\', '\t', '\u0001', 'Ω', '0123456789']

/** Random output of each unit and stream, cut into random chunks, interleaved: [unit, stream, chunk] in order. */
function randomSchedule(seed: number, pieces = PIECES, crlf = true): [string, Stream, Buffer][] {
  const rand = mulberry32(seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
  const streams = new Map<string, Buffer>()
  for (const unit of UNITS)
    for (const stream of ['stdout', 'stderr'] as Stream[]) {
      let text = ''
      const lines = Math.floor(rand() * 60)
      for (let i = 0; i < lines; i++) {
        const r = rand()
        if (r < 0.1) text += '\n'
        else {
          let line = ''
          for (let n = Math.floor(rand() * 30); n > 0; n--) line += pick(pieces)
          text += crlf && r < 0.3 ? `${line}\r\n` : `${line}\n`
        }
      }
      // Now and then a last line without its newline (the process exits mid-line).
      if (rand() < 0.5) text += `last ${pick(pieces)}`
      streams.set(`${unit}\0${stream}`, Buffer.from(text))
    }
  // Each stream cut at random byte offsets (inside multi-byte characters too), the chunks interleaved at random.
  const queues = [...streams].map(([key, bytes]) => {
    const chunks: Buffer[] = []
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 4 : 64))
      chunks.push(bytes.subarray(at, at + n))
      at += n
    }
    const [unit, stream] = key.split('\0') as [string, Stream]
    return {unit, stream, chunks}
  })
  const out: [string, Stream, Buffer][] = []
  for (let live = queues.filter((q) => q.chunks.length > 0); live.length > 0; ) {
    const q = pick(live)
    out.push([q.unit, q.stream, q.chunks.shift()!])
    live = live.filter((x) => x.chunks.length > 0)
  }
  return out
}

/** The string path: each stream's lines as the session made them (util/lines.ts), one log event per line. */
function viaEvents(printer: PrefixedPrinter | JsonPrinter, schedule: [string, Stream, Buffer][]): void {
  const splitters = new Map<string, Splitter>()
  for (const [i, [unit, stream, chunk]] of schedule.entries()) {
    const key = `${unit}\0${stream}`
    let s = splitters.get(key)
    if (!s) {
      s = lineSplitter((line) => printer.event({type: 'log', log: {unit, stream, line, ts: ts.now}}))
      splitters.set(key, s)
    }
    ts.now = i
    s.push(chunk)
  }
  for (const s of splitters.values()) s.end()
}
const ts = {now: 0}

/** The bytes path: the raw chunks to output(), then end(). */
function viaOutput(printer: PrefixedPrinter | JsonPrinter, schedule: [string, Stream, Buffer][]): void {
  for (const [i, [unit, stream, chunk]] of schedule.entries()) printer.output(unit, stream, chunk, i)
  printer.end()
}

function bytesOf(writes: Chunk[]): Buffer {
  return Buffer.concat(writes.map((w) => (typeof w === 'string' ? Buffer.from(w) : w)))
}

describe('the printers: bytes in any chunking print exactly what the string path printed', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`random lines and chunkings, seed ${seed}: prefixed (colour on and off) and JSON, byte for byte`, () => {
      const schedule = randomSchedule(seed)
      for (const colour of [false, true]) {
        const level = chalk.level
        chalk.level = 1
        try {
          const before = counting()
          const after = counting()
          viaEvents(new PrefixedPrinter(UNITS, before.write, colour), schedule)
          viaOutput(new PrefixedPrinter(UNITS, after.write, colour), schedule)
          expect(bytesOf(before.writes).length).toBeGreaterThan(0)
          expect(bytesOf(after.writes).equals(bytesOf(before.writes))).toBe(true)
        } finally {
          chalk.level = level
        }
      }
      const before = counting()
      const after = counting()
      viaEvents(new JsonPrinter(before.write), schedule)
      viaOutput(new JsonPrinter(after.write), schedule)
      expect(bytesOf(after.writes).toString()).toBe(bytesOf(before.writes).toString())
      // Every JSON line parses, and carries the line's text.
      for (const line of bytesOf(after.writes).toString().split('\n').filter(Boolean))
        expect(typeof (JSON.parse(line) as {line: string}).line).toBe('string')
    })
  }

  for (const seed of [21, 22, 23, 24]) {
    it(`plain ASCII output (wrapped as bytes in one pass), seed ${seed}: JSON byte for byte`, () => {
      const schedule = randomSchedule(seed, ['x', 'hello', ' ', '0123456789', '{}', '/'], seed % 2 === 0)
      const before = counting()
      const after = counting()
      viaEvents(new JsonPrinter(before.write), schedule)
      viaOutput(new JsonPrinter(after.write), schedule)
      expect(bytesOf(before.writes).length).toBeGreaterThan(0)
      expect(bytesOf(after.writes).toString()).toBe(bytesOf(before.writes).toString())
    })
  }

  it('a line cut at a chunk end is not torn or mixed with another unit’s line', () => {
    const sink = counting()
    const printer = new PrefixedPrinter(['web', 'services'], sink.write, false)
    printer.output('web', 'stdout', Buffer.from('hel'))
    printer.output('services', 'stdout', Buffer.from('one\ntw'))
    printer.output('web', 'stdout', Buffer.from('lo ✓\n'.slice(0, 3)))
    printer.output('web', 'stdout', Buffer.from('lo ✓\n').subarray(3))
    printer.output('services', 'stdout', Buffer.from('o'))
    printer.end()
    expect(sink.text()).toBe('services | one\nweb      | hello ✓\nservices | two\n')
  })
})

describe('TurnWriter and the printers', () => {
  it('10,000 lines in one turn, in chunks → one write, every line whole and in order', async () => {
    const sink = counting()
    const out = new TurnWriter<Chunk>((parts) => sink.write(bytesOf(parts)))
    const printer = new PrefixedPrinter(['web', 'services'], out.write, false)
    let lines = ''
    for (let i = 0; i < 10_000; i++) lines += `line ${i}\n`
    const bytes = Buffer.from(lines)
    for (let at = 0; at < bytes.length; at += 4096) printer.output('web', 'stdout', bytes.subarray(at, at + 4096))
    printer.event({type: 'log', log: {unit: 'services', stream: 'system', line: 'ready', ts: 0}})
    expect(sink.writes).toHaveLength(0)
    await turn()
    expect(sink.writes).toHaveLength(1)
    const text = sink.text().split('\n')
    expect(text.pop()).toBe('')
    expect(text).toEqual([...Array.from({length: 10_000}, (_, i) => `web      | line ${i}`), 'services | » ready'])
  })

  it('JSON log lines are the same text as JSON.stringify of the event', () => {
    const sink = counting()
    const printer = new JsonPrinter(sink.write)
    const log = {unit: 'we"b', stream: 'stderr' as const, line: 'a "quoted" \\ line\twith\u0001', ts: 42}
    printer.event({type: 'log', log})
    printer.event({type: 'log', log: {...log, line: 'second'}})
    printer.output(log.unit, log.stream, Buffer.from(`${log.line}\nsecond\n`), 42)
    const once = [
      `${JSON.stringify({event: 'log', ...log})}\n`,
      `${JSON.stringify({event: 'log', ...log, line: 'second'})}\n`,
    ]
    expect(sink.text()).toBe([...once, ...once].join(''))
  })

  it('NO_COLOR: no escape codes, even where colour would be on', () => {
    const level = chalk.level
    chalk.level = 1
    try {
      expect(colourWanted({})).toBe(true)
      expect(colourWanted({NO_COLOR: '1'})).toBe(false)
      const sink = counting()
      const printer = new PrefixedPrinter(['web'], sink.write, colourWanted({NO_COLOR: '1'}))
      printer.event({type: 'log', log: {unit: 'web', stream: 'system', line: 'ready', ts: 0}})
      printer.output('web', 'stdout', Buffer.from('out\n'))
      printer.event({type: 'unit', unit: {name: 'web', state: 'failed', message: 'boom'} as never})
      expect(sink.text()).toBe('web      | » ready\nweb      | out\nweb      | ✗ boom\n')
      // With colour on, the same lines carry escape codes (so the check above can fail).
      const coloured = counting()
      new PrefixedPrinter(['web'], coloured.write, true).output('web', 'stdout', Buffer.from('x\n'))
      expect(coloured.text()).toContain('\u001b[')
    } finally {
      chalk.level = level
    }
  })
})

const FLOOD_JS = `let s = ''; for (let i = 0; i < 20000; i++) s += 'flood ' + i + '\\n'; process.stdout.write(s)`
const KEY = 'fg-secret-0123456789abcdef'

describe('runForeground: a flooding unit', {timeout: 60_000}, () => {
  it('20,000 lines reach the output whole and in order, in far fewer writes than lines; the API key masked', async () => {
    const t = tempProject(
      `project: nac-fgflood\napiKey: ${KEY}\nservers:\n  flood:\n    command: node flood.js\n  keyed:\n    command: node keyed.js\n`,
      {
        'flood.js': FLOOD_JS,
        'keyed.js': `process.stdout.write('before\\nthe key is ${KEY} here\\r\\nafter\\n')`,
      },
    )
    try {
      const plan = buildPlan(loadConfig({configPath: `${t.dir}/naaccord.config.yaml`}))
      // A stream that takes many buffers at once (as a pipe or terminal does): each call is one write.
      const sink = counting()
      const out = new Writable({
        write(chunk: Buffer, _enc, done) {
          sink.write(chunk)
          done()
        },
        writev(chunks, done) {
          sink.write(Buffer.concat(chunks.map((c) => c.chunk as Buffer)))
          done()
        },
      })
      const code = await runForeground(plan, {json: false, out})
      expect(code).toBe(0)
      const text = sink.text()
      const flood = text.split('\n').filter((l) => l.startsWith('flood    | flood '))
      expect(flood).toHaveLength(20_000)
      expect(flood).toEqual(flood.map((_, i) => `flood    | flood ${i}`))
      expect(sink.writes.length).toBeLessThan(200)
      expect(text).not.toContain(KEY)
      const keyed = text.split('\n').filter((l) => l.startsWith('keyed    | ') && !l.includes('»'))
      expect(keyed).toEqual(['keyed    | before', 'keyed    | the key is fg-s… here', 'keyed    | after'])
    } finally {
      t.cleanup()
    }
  })
})
