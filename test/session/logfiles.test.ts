import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {LogFiles} from '../../src/session/logfiles.js'
import {tempDir} from '../helpers/index.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

describe('log files', () => {
  it('keeps every line in order across buffer flushes, and rotates to .1 past the size cap', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const logs = new LogFiles(path.join(t.dir, 'logs'), 64 * 1024)
    const line = (i: number) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(80)}`
    for (let i = 0; i < 5000; i++) logs.write({unit: 'a', stream: 'stdout', line: line(i), ts: i})
    logs.close()
    const file = path.join(t.dir, 'logs', 'a.log')
    expect(existsSync(`${file}.1`)).toBe(true)
    const all = [...readFileSync(`${file}.1`, 'utf8').split('\n'), ...readFileSync(file, 'utf8').split('\n')].filter(
      Boolean,
    )
    // The current file is under the cap, and .1 plus it end with the newest lines, in order, none torn.
    expect(readFileSync(file).length).toBeLessThanOrEqual(64 * 1024)
    expect(all.at(-1)).toBe(line(4999))
    const firstKept = Number(all[0].slice(5, 11))
    expect(all).toEqual(Array.from({length: 5000 - firstKept}, (_, k) => line(firstKept + k)))
  })

  it('serves the last lines per unit from memory, oldest first', () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const logs = new LogFiles(path.join(t.dir, 'logs'))
    for (let i = 0; i < 3000; i++) logs.write({unit: i % 2 ? 'b' : 'a', stream: 'stdout', line: String(i), ts: i})
    expect(logs.tail(['a'], 3).map((l) => l.line)).toEqual(['2994', '2996', '2998'])
    expect(logs.tail([], 2).map((l) => l.line)).toEqual(['2996', '2997', '2998', '2999'])
    logs.close()
  })
})
