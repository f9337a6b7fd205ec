/**
 * The one flag table (src/cli/flags.ts): the fast path's parser and oclif (whose flags are built from the table)
 * read every command line the fast path takes the same way; what it does not take is left to oclif.
 */
import {Parser} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {parseFast} from '../../src/cli/flags.js'
import Logs from '../../src/commands/logs.js'
import Restart from '../../src/commands/restart.js'
import Start from '../../src/commands/start.js'
import Status from '../../src/commands/status.js'
import Stop from '../../src/commands/stop.js'

const COMMANDS = {start: Start, stop: Stop, status: Status, logs: Logs, restart: Restart}

async function oclifParse(argv: string[]) {
  const cmd = COMMANDS[argv[0] as keyof typeof COMMANDS]
  const out = await Parser.parse(argv.slice(1), {
    flags: {...cmd.baseFlags, ...cmd.flags},
    args: cmd.args,
    strict: cmd.strict,
  })
  const flags = Object.fromEntries(Object.entries(out.flags).filter(([, v]) => v !== undefined))
  return {flags, args: out.argv as string[]}
}

const TAKEN: string[][] = [
  ['start', '--detach'],
  ['start', '-d', '--json', '--no-dashboard'],
  ['start', '--dashboard'],
  ['start', '--only', 'web,services', '--only=flower', '-d', '--no-deps', '--profile', 'docker'],
  ['start', '-d', '-c', 'x.yaml'],
  ['start', '-d', '--config=x.yaml'],
  ['start', '--profile=a', '--profile', 'b', '--json'],
  ['start', '--no-dashboard'],
  ['start', '--no-dashboard', '--only', 'web', '-c', 'x.yaml'],
  ['stop'],
  ['stop', '--json'],
  ['stop', '--timeout', '2s'],
  ['stop', '--timeout=500ms', '--json', '-c', 'p/naaccord.config.yaml'],
  ['stop', '--timeout', 'soon'],
  ['status'],
  ['status', '--json'],
  ['status', '--config', 'a.yaml', '--json'],
  ['logs'],
  ['logs', 'web', '-f'],
  ['logs', 'services', '--tail', '50', '--since', '5m'],
  ['logs', 'web', 'services', '-n', '3', '--json'],
  ['logs', '--tail=0', '--follow'],
  ['logs', '-f', 'web', '--since=2025-01-01T00:00:00Z'],
  ['logs', '--since', 'soon'],
  ['restart', 'web'],
  ['restart', 'web', '--no-wait', '--json'],
  ['restart', '--wait', 'services', '-c', 'x.yaml'],
  ['restart', 'web', '--no-wait'],
  ['restart', '--json', 'web'],
]

const LEFT: string[][] = [
  ['start', '-d', '--help'],
  ['start', '-d', '-h'],
  ['start', '-d', '--supervise'],
  ['start', '-d', '--only'],
  ['start', '-d', '--config', '--json'],
  ['start', '-dx'],
  ['start', 'extra'],
  ['start', '--json=true'],
  ['start', '--no-json'],
  ['stop', '--timeout'],
  ['stop', '-c', 'a', '-c', 'b'],
  ['stop', '--', 'x'],
  ['status', 'web'],
  ['status', '--bogus'],
  ['logs', '--tail', 'many'],
  ['logs', '-n', '-1'],
  ['logs', '--help'],
  ['logs', 'web', '-fn', '3'],
  ['logs', '--follow=true'],
  ['restart'],
  ['restart', 'web', '-h'],
  ['restart', 'web', '--wait=false'],
  ['restart', 'a', 'b'],
  ['help', 'stop'],
  ['doctor'],
  [],
]

describe('the one flag table: the fast path and oclif parse alike', () => {
  it.each(TAKEN.map((argv) => [argv.join(' '), argv]))('%s', async (_, argv) => {
    const fast = parseFast(argv as string[])
    expect(fast).toBeDefined()
    const oclif = await oclifParse(argv as string[])
    expect({flags: fast!.flags, args: fast!.args}).toEqual(oclif)
  })

  it.each(LEFT.map((argv) => [argv.join(' ') || '(nothing)', argv]))('%s: left to oclif', (_, argv) => {
    expect(parseFast(argv as string[])).toBeUndefined()
  })
})
