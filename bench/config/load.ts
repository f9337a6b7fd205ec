/**
 * What loading a config costs, and where the time goes: the shipped configs (and a broken one, whose errors are
 * explained and located) through loadConfig, measured side by side in one run with the YAML parse alone and the
 * zod validation alone, so the ratios say which stage dominates. This is the figure behind the fuzz test's run
 * count (test/config/fuzz.test.ts) and the config part of every command's start. Prints; asserts nothing.
 *
 *   npx tsx bench/config/load.ts [rounds]
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {LineCounter, parseDocument} from 'yaml'
import {loadConfig} from '../../src/config/load.js'
import {Config} from '../../src/config/schema.js'

const rounds = Number(process.argv[2] ?? 300)
const root = path.resolve(import.meta.dirname, '..', '..')
const read = (file: string) => readFileSync(path.join(root, file), 'utf8')
const depot = read('templates/depot.config.yaml')
const inputs: [string, string][] = [
  ['builtin (embedded default)', read('naaccord.config.yaml')],
  ['depot template', depot],
  // Three errors: an explained union, an unknown key with a suggestion, a graph check is not reached.
  [
    'depot, 3 errors',
    depot
      .replace('port: 3000', 'port: "80a"')
      .replace('restart: on-failure', 'restart: sometimes')
      .replace('startTimeout: 2m', 'startTimout: 2m'),
  ],
]

/**
 * Fastest ms per call over `rounds` calls, after a warm-up. The fastest, not the median: on a shared, loaded machine
 * the median mostly measures the scheduler, while the fastest call is the work itself.
 */
function time(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn()
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now()
    fn()
    best = Math.min(best, performance.now() - t0)
  }
  return best
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-bench-config-'))
try {
  console.log(`config load, fastest of ${rounds} calls each (ms); load average ${os.loadavg()[0].toFixed(1)}`)
  console.log(
    `${'input'.padEnd(28)} ${'bytes'.padStart(6)} ${'load'.padStart(7)} ${'yaml'.padStart(7)} ${'zod'.padStart(7)}  yaml/load  zod/load`,
  )
  for (const [label, text] of inputs) {
    writeFileSync(path.join(dir, 'naaccord.config.yaml'), text)
    const load = time(() => {
      try {
        loadConfig({cwd: dir, env: {}})
      } catch {
        // the broken input throws its ConfigError: that path is what is measured
      }
    })
    const yaml = time(() => parseDocument(text, {lineCounter: new LineCounter(), merge: true}).toJS())
    const data = parseDocument(text, {merge: true}).toJS()
    const zod = time(() => Config.safeParse(data))
    console.log(
      `${label.padEnd(28)} ${String(text.length).padStart(6)} ${load.toFixed(2).padStart(7)} ${yaml.toFixed(2).padStart(7)} ${zod.toFixed(2).padStart(7)}  ${(yaml / load).toFixed(2).padStart(9)} ${(zod / load).toFixed(2).padStart(9)}`,
    )
  }
} finally {
  rmSync(dir, {recursive: true, force: true})
}
