/**
 * The foreground output path: a flood of lines in one turn goes out in few writes, every line whole and in
 * order, prefixes coloured unless NO_COLOR says not to; and the whole foreground session does the same.
 */
import chalk from 'chalk'
import {describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan} from '../../src/config/plan.js'
import {runForeground} from '../../src/session/foreground.js'
import {colourWanted, JsonPrinter, PrefixedPrinter, TurnWriter} from '../../src/session/output.js'
import {tempProject} from '../helpers/index.js'

/** A sink that keeps each write apart, to count them. */
function counting() {
  const writes: string[] = []
  return {writes, write: (t: string) => void writes.push(t)}
}

const turn = () => new Promise((r) => setImmediate(r))

describe('TurnWriter and the printers', () => {
  it('10,000 lines in one turn → one write, every line whole and in order', async () => {
    const sink = counting()
    const out = new TurnWriter(sink.write)
    const printer = new PrefixedPrinter(['web', 'services'], out.write, false)
    for (let i = 0; i < 10_000; i++)
      printer.event({type: 'log', log: {unit: i % 2 ? 'web' : 'services', stream: 'stdout', line: `line ${i}`, ts: 0}})
    expect(sink.writes).toHaveLength(0)
    await turn()
    expect(sink.writes).toHaveLength(1)
    const lines = sink.writes.join('').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(10_000)
    expect(lines).toEqual(lines.map((_, i) => `${(i % 2 ? 'web' : 'services').padEnd(8)} | line ${i}`))
  })

  it('writes at once when it holds maxBytes, and flush() writes what is held', () => {
    const sink = counting()
    const out = new TurnWriter(sink.write, 100)
    for (let i = 0; i < 30; i++) out.write('0123456789\n')
    expect(sink.writes.length).toBeGreaterThanOrEqual(3)
    out.flush()
    expect(sink.writes.join('')).toBe('0123456789\n'.repeat(30))
    expect(sink.writes.every((w) => w.endsWith('\n'))).toBe(true)
  })

  it('JSON log lines are the same text as JSON.stringify of the event', () => {
    const sink = counting()
    const printer = new JsonPrinter(sink.write)
    const log = {unit: 'we"b', stream: 'stderr' as const, line: 'a "quoted" \\ line\twith\u0001', ts: 42}
    printer.event({type: 'log', log})
    printer.event({type: 'log', log: {...log, line: 'second'}})
    expect(sink.writes).toEqual([
      `${JSON.stringify({event: 'log', ...log})}\n`,
      `${JSON.stringify({event: 'log', ...log, line: 'second'})}\n`,
    ])
  })

  it('NO_COLOR: no escape codes, even where colour would be on', () => {
    const level = chalk.level
    chalk.level = 1
    expect(colourWanted({})).toBe(true)
    expect(colourWanted({NO_COLOR: '1'})).toBe(false)
    const sink = counting()
    const printer = new PrefixedPrinter(['web'], sink.write, colourWanted({NO_COLOR: '1'}))
    printer.event({type: 'log', log: {unit: 'web', stream: 'system', line: 'ready', ts: 0}})
    printer.event({type: 'unit', unit: {name: 'web', state: 'failed', message: 'boom'} as never})
    expect(sink.writes.join('')).toBe('web      | » ready\nweb      | ✗ boom\n')
    // With colour on, the same lines carry escape codes (so the check above can fail).
    const coloured = counting()
    new PrefixedPrinter(['web'], coloured.write, true).event({
      type: 'log',
      log: {unit: 'web', stream: 'stdout', line: 'x', ts: 0},
    })
    expect(coloured.writes.join('')).toContain('\u001b[')
    chalk.level = level
  })
})

const FLOOD_JS = `let s = ''; for (let i = 0; i < 20000; i++) s += 'flood ' + i + '\\n'; process.stdout.write(s)`

describe('runForeground: a flooding unit', {timeout: 60_000}, () => {
  it('20,000 lines reach the output whole and in order, in far fewer writes than lines', async () => {
    const t = tempProject(`project: nac-fgflood\nservers:\n  flood:\n    command: node flood.js\n`, {
      'flood.js': FLOOD_JS,
    })
    try {
      const plan = buildPlan(loadConfig({configPath: `${t.dir}/naaccord.config.yaml`}))
      const sink = counting()
      const code = await runForeground(plan, {json: false, write: sink.write})
      expect(code).toBe(0)
      const text = sink.writes.join('')
      const flood = text.split('\n').filter((l) => l.startsWith('flood    | flood '))
      expect(flood).toHaveLength(20_000)
      expect(flood).toEqual(flood.map((_, i) => `flood    | flood ${i}`))
      expect(sink.writes.length).toBeLessThan(200)
    } finally {
      t.cleanup()
    }
  })
})
