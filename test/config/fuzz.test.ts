/** biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} interpolation syntax fed to the loader */
/**
 * Fuzz: a few thousand mutated configs (the shipped configs' YAML text cut and spliced, and their parsed structure
 * with keys deleted, values swapped for other types, random and near-miss keys) go through the loader and the
 * planner. Whatever the input, the only error allowed out is a ConfigError whose every issue names a file and says
 * something; a position, when given, is a real one. Seeded, so a failure replays.
 */
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {parse, stringify} from 'yaml'
import {ConfigError} from '../../src/config/errors.js'
import {LOCAL_OVERLAY_FILE, loadConfig} from '../../src/config/load.js'
import {buildPlan} from '../../src/config/plan.js'
import {mulberry32} from '../chaos/seed.js'
import {repoRoot, tempDir} from '../helpers/index.js'

/** The chaos suite's mulberry32: the same sequence for the same seed everywhere. */
function prng(seed: number) {
  const next = mulberry32(seed)
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]
  return {next, int, pick}
}
type Rng = ReturnType<typeof prng>

const SHIPPED = ['naaccord.config.yaml', 'templates/builtin.config.yaml', 'templates/depot.config.yaml'].map((f) =>
  readFileSync(path.join(repoRoot, f), 'utf8'),
)

/**
 * Small configs cut from the shipped ones (the top-level settings, one or two servers, maybe a dependency): the
 * YAML parser and the schema cost time in proportion to the text, and a whole depot config takes ~5 ms to load,
 * so most runs use these to fit a few thousand runs into a few seconds; the rest use the shipped files whole.
 */
function smallSources(rng: Rng, count: number): string[] {
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const full = parse(rng.pick(SHIPPED)) as Record<string, Record<string, unknown>>
    const pickSome = (section: Record<string, unknown> | undefined, max: number) => {
      const names = Object.keys(section ?? {})
      const kept = Array.from({length: rng.int(max + 1)}, () => rng.pick(names)).filter(Boolean)
      return Object.fromEntries(kept.map((n) => [n, section?.[n]]))
    }
    const {servers, dependencies, ...rest} = full
    const small: Record<string, unknown> = {...rest, servers: pickSome(servers, 2)}
    if (rng.next() < 0.5) small.dependencies = pickSome(dependencies, 1)
    out.push(stringify(small))
  }
  return out
}
/** Characters that matter to YAML and to interpolation, plus some that do not. */
const ALPHABET = [
  ...':{}[],-#&*!|>\'"\n\t $?%@`\\~',
  'a',
  'Z',
  '0',
  '9',
  '.',
  ' ',
  '  ',
  '${X}',
  '${',
  '$$',
  '\u00e9',
  '\u0000',
  // anchors, aliases and merge keys
  '&a ',
  '*a',
  '<<: *a',
  '\n<<: ',
]
const KEYS = [
  'port',
  'prot',
  'role',
  'command',
  'args',
  'dependsOn',
  'ready',
  'http',
  'tcp',
  'env',
  'servers',
  'sever',
  'profiles',
  'restart',
  'policy',
  '__proto__',
  'constructor',
  'toString',
  '',
  ' ',
  '0',
  'x.y',
  'hasOwnProperty',
  '<<',
]

function mutateText(rng: Rng, text: string): string {
  let out = text
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const at = rng.int(out.length + 1)
    switch (rng.int(6)) {
      case 0: // delete a run
        out = out.slice(0, at) + out.slice(at + 1 + rng.int(12))
        break
      case 1: // insert characters
        out = out.slice(0, at) + Array.from({length: 1 + rng.int(4)}, () => rng.pick(ALPHABET)).join('') + out.slice(at)
        break
      case 2: {
        // duplicate a line (duplicate keys, repeated list items)
        const lines = out.split('\n')
        const i = rng.int(lines.length)
        lines.splice(i, 0, lines[i])
        out = lines.join('\n')
        break
      }
      case 3: {
        // re-indent a line
        const lines = out.split('\n')
        const i = rng.int(lines.length)
        lines[i] = rng.next() < 0.5 ? `  ${lines[i]}` : lines[i].replace(/^ {1,2}/, '')
        out = lines.join('\n')
        break
      }
      case 4: // splice in a chunk of another config
        {
          const other = rng.pick(SHIPPED)
          const from = rng.int(other.length)
          out = out.slice(0, at) + other.slice(from, from + rng.int(80)) + out.slice(at)
        }
        break
      default: // truncate
        out = out.slice(0, at)
    }
  }
  return out
}

function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 8)) {
    case 0:
      return rng.pick([0, -1, 1, 65536, 8000, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])
    case 1:
      return rng.pick(['', 'x', '80a', '5s', 'soon', '${X}', '${X:?need X}', '${', 'on-failure', 'ready', 'web'])
    case 2:
      return rng.next() < 0.5
    case 3:
      return null
    case 4:
      return rng.pick(KEYS)
    case 5:
      return '0.0.0.0:{port}'
    case 6:
      return Array.from({length: rng.int(3)}, () => randomValue(rng, depth + 1))
    default:
      return Object.fromEntries(Array.from({length: rng.int(3)}, () => [rng.pick(KEYS), randomValue(rng, depth + 1)]))
  }
}

/** Every [container, key] pair in a parsed structure, to pick one to mutate. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      out.push([value, i])
      slots(v, out)
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k])
      slots(v, out)
    }
  }
  return out
}

/** Parsed sources, parsed once: the YAML parser is the slowest part of a run. */
const parsedCache = new Map<string, unknown>()

function mutateStructure(rng: Rng, text: string): string {
  if (!parsedCache.has(text)) parsedCache.set(text, parse(text))
  const data = structuredClone(parsedCache.get(text)) as Record<string, unknown>
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const all = slots(data)
    const [container, key] = rng.pick(all)
    const c = container as Record<string | number, unknown>
    switch (rng.int(5)) {
      case 0: // delete
        if (Array.isArray(container)) container.splice(key as number, 1)
        else delete c[key]
        break
      case 1: // swap type
        c[key] = randomValue(rng)
        break
      case 2: // add a random or near-miss key
        if (!Array.isArray(container)) {
          const near = String(key).replace(/.$/, '') + rng.pick(['', 's', 'x'])
          Object.defineProperty(c, rng.next() < 0.5 ? near : rng.pick(KEYS), {
            value: randomValue(rng),
            enumerable: true,
            writable: true,
            configurable: true,
          })
        }
        break
      case 3: {
        // move a value elsewhere
        const [other, otherKey] = rng.pick(all)
        // A copy: moving an ancestor into its own child would make a cycle, which YAML text cannot hold.
        c[key] = structuredClone((other as Record<string | number, unknown>)[otherKey])
        break
      }
      default: // rename a server or dependency to something else
        c[key] = structuredClone(c[rng.pick(Object.keys(c))])
    }
  }
  return stringify(data, {aliasDuplicateObjects: false})
}

/** A temp folder in /dev/shm (memory) when there is one, else the usual temp folder. */
function memoryTempDir(prefix: string): {dir: string; cleanup: () => void} {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      const dir = mkdtempSync(path.join('/dev/shm', prefix))
      return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
    }
  } catch {
    // no /dev/shm (macOS): fall through
  }
  return tempDir(prefix)
}

/** Runs per test run; NAACCORD_FUZZ_RUNS raises it for a long local session (same seed, same first runs). */
const RUNS = Number(process.env.NAACCORD_FUZZ_RUNS ?? 2000)

describe('fuzz: mutated configs', () => {
  // The config is rewritten thousands of times: on a busy disk each write costs ~1 ms, in memory ~0.01 ms.
  const project = memoryTempDir('nac-fuzz-')
  const configFile = path.join(project.dir, 'naaccord.config.yaml')
  const overlayFile = path.join(project.dir, LOCAL_OVERLAY_FILE)
  afterAll(() => project.cleanup())

  it('never throw anything but a ConfigError with located, worded issues, nor print a warning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    process.on('warning', onWarning)
    const rng = prng(0x5eed)
    const sources = smallSources(rng, 24)
    const counts = {ok: 0, configError: 0}
    const bad: string[] = []
    let hadOverlay = false
    for (let i = 0; i < RUNS; i++) {
      const source = rng.next() < 0.05 ? rng.pick(SHIPPED) : rng.pick(sources)
      const text = rng.next() < 0.5 ? mutateText(rng, source) : mutateStructure(rng, source)
      // Some runs put the mutant in the overlay, over an intact base.
      const asOverlay = rng.next() < 0.2
      writeFileSync(configFile, asOverlay ? source : text)
      if (asOverlay) writeFileSync(overlayFile, text)
      else if (hadOverlay) rmSync(overlayFile, {force: true})
      hadOverlay = asOverlay
      try {
        const loaded = loadConfig({cwd: project.dir, env: {X: rng.next() < 0.5 ? 'set' : ''}})
        buildPlan(loaded, {profiles: rng.next() < 0.5 ? ['docker'] : []})
        counts.ok++
      } catch (error) {
        if (!(error instanceof ConfigError)) {
          throw new Error(
            `iteration ${i} (${asOverlay ? 'overlay' : 'base'}) threw ${String(error)}\n--- input ---\n${text}`,
          )
        }
        counts.configError++
        // Plain checks, one expect at the end: thousands of expect() calls would cost more than the loading.
        if (error.issues.length === 0) bad.push(`iteration ${i}: a ConfigError with no issues`)
        for (const issue of error.issues) {
          const located =
            issue.line === undefined ||
            (Number.isInteger(issue.line) &&
              issue.line >= 1 &&
              Number.isInteger(issue.column) &&
              (issue.column ?? 0) >= 1)
          if (!/\S/.test(issue.file) || !/\S/.test(issue.message) || !located)
            bad.push(`iteration ${i}: ${JSON.stringify(issue)}`)
        }
      }
    }
    // Process warnings come on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    process.off('warning', onWarning)
    expect(warnings).toEqual([])
    expect(bad).toEqual([])
    // Both outcomes must be common, or the mutations are too weak (or too strong) to test anything.
    expect(counts.ok).toBeGreaterThan(RUNS / 20)
    expect(counts.configError).toBeGreaterThan(RUNS / 3)
  })
})
