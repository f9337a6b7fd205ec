/**
 * Loads naaccord.config.yaml: find → parse (YAML, with positions) → overlay naaccord.local.yaml → interpolate
 * ${VAR} from the environment and .env → validate with the zod schema. Any problem becomes a ConfigError that
 * lists every issue with file, line, column and field path; nothing else is thrown.
 */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {parseEnv} from 'node:util'
import {type Document, isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit} from 'yaml'
import type {z} from 'zod'
import {ConfigError, type ConfigIssue, didYouMean, formatPath} from './errors.js'
import {CONFIG_FILE, findConfigFile} from './find.js'
import {checkConfigGraph} from './graph-check.js'
import {type InterpolationError, interpolateValue} from './interpolate.js'
import {ApiKey, Config, DependsOn, Duration, type NaaccordConfig, Port, RestartPolicy} from './schema.js'
import {allowedKeysAt, isRecordAt, peel, schemasAt} from './schema-keys.js'

export {CONFIG_FILE, findConfigFile}
export const LOCAL_OVERLAY_FILE = 'naaccord.local.yaml'

export interface LoadOptions {
  /** --config FILE; otherwise NAACCORD_CONFIG; otherwise found by walking up from cwd. */
  configPath?: string
  cwd?: string
  /** Environment used for interpolation (defaults to process.env); it wins over .env. */
  env?: Record<string, string | undefined>
  /** Skip naaccord.local.yaml (tests, `config validate --no-local`). */
  noLocal?: boolean
}

export interface LoadedConfig {
  /** Absolute path of naaccord.config.yaml. */
  file: string
  /** The project root: the folder holding the config. Relative paths in the config are relative to it. */
  root: string
  /** Files that contributed, base first. */
  sources: string[]
  /** Variables read from .env beside the config (not the process environment). */
  dotenv: Record<string, string>
  /** Environment used for interpolation: process env over .env. */
  vars: Record<string, string | undefined>
  config: NaaccordConfig
}

interface ParsedFile {
  file: string
  doc: Document.Parsed
  lines: LineCounter
}

function parseFile(file: string): ParsedFile | ConfigIssue[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return [{file, path: '', message: `cannot read: ${(error as Error).message}`}]
  }
  const lines = new LineCounter()
  // merge: YAML merge keys (`<<: *defaults`), as docker compose files use them to share settings.
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true})
  if (doc.errors.length > 0) {
    return doc.errors.map((error) => {
      // linePos is only filled in with prettyErrors; the offset always is.
      const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0])
      return {
        file,
        line: pos?.line,
        column: pos?.col,
        path: '',
        message: `YAML syntax error: ${firstLine(error.message)}`,
      }
    })
  }
  // A list or map used as a key (`[a, b]: x`, `? {a: 1}`) means nothing here, and yaml would stringify it with a
  // process warning; say where it is instead.
  const keyIssues: ConfigIssue[] = []
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && isMergeKey(pair.key.value)) {
        // yaml throws, unlocated, when it merges anything but maps; say where instead.
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value]
        const resolved = sources.map((v) => (isAlias(v) ? v.resolve(doc) : v))
        if (!resolved.every((v) => isMap(v))) {
          const pos = lines.linePos((isNode(pair.value) ? pair.value : pair.key).range?.[0] ?? 0)
          keyIssues.push({
            file,
            line: pos.line,
            column: pos.col,
            path: '',
            message: 'a merge key (<<) takes a map or an alias of one, or a list of those, such as <<: *defaults',
          })
        }
        return
      }
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key
      if (isNode(pair.key) && (isSeq(key) || isMap(key))) {
        const pos = lines.linePos(pair.key.range?.[0] ?? 0)
        keyIssues.push({
          file,
          line: pos.line,
          column: pos.col,
          path: '',
          message: `a ${isSeq(key) ? 'list' : 'map'} cannot be a key; keys are plain names such as port or web`,
        })
      }
    },
  })
  if (keyIssues.length > 0) return keyIssues
  return {file, doc, lines}
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
}

/** Maps merge, lists and scalars replace: the local overlay's value wins. */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(overlay)) {
    const out: Record<string, unknown> = {...base}
    for (const [key, value] of Object.entries(overlay))
      setOwn(out, key, Object.hasOwn(base, key) ? mergeOverlay(base[key], value) : value)
    return out
  }
  return overlay === undefined ? base : overlay
}

/**
 * Sets an own property even for keys such as `__proto__`, which plain assignment would treat as the prototype
 * (a YAML key `__proto__:` must stay a key, and be reported as unknown, not change what every lookup sees).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true})
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function readDotenv(root: string): {vars: Record<string, string>; issues: ConfigIssue[]} {
  const file = path.join(root, '.env')
  if (!existsSync(file)) return {vars: {}, issues: []}
  try {
    return {vars: parseEnv(readFileSync(file, 'utf8')) as Record<string, string>, issues: []}
  } catch (error) {
    return {vars: {}, issues: [{file, path: '', message: `cannot read .env: ${(error as Error).message}`}]}
  }
}

interface Provider {
  parsed: ParsedFile
  node: unknown
  /** The key node of the pair holding `node` (undefined at the top and for list items). */
  key?: unknown
}

/** The child of a YAML node at one step of a field path (a map key or a list index), with its key node. */
function childOf(parsed: ParsedFile, node: unknown, part: string | number): Omit<Provider, 'parsed'> | undefined {
  const target = isAlias(node) ? node.resolve(parsed.doc) : node
  if (isMap(target)) {
    // toJS turns every key into a string, so `1:` is reached by the path part "1".
    const pair = target.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part))
    if (pair) return {node: pair.value, key: pair.key}
    // A field brought in by a merge key (`<<: *defaults` or `<<: [*a, *b]`) is located where it is written.
    const merge = target.items.find((p) => isScalar(p.key) && isMergeKey(p.key.value))
    const sources = isSeq(merge?.value) ? merge.value.items : merge ? [merge.value] : []
    for (const source of sources) {
      const found = childOf(parsed, source, part)
      if (found) return found
    }
    return undefined
  }
  if (isSeq(target) && typeof part === 'number' && part < target.items.length) return {node: target.items[part]}
  return undefined
}

/** yaml marks a merge key `<<` with a symbol (a string '<<' when merge keys are off). */
function isMergeKey(value: unknown): boolean {
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<')
}

function isMapNode(parsed: ParsedFile, node: unknown): boolean {
  return isMap(isAlias(node) ? node.resolve(parsed.doc) : node)
}

/**
 * Locates a field path in the files the way mergeOverlay combined them: maps merge, so a field may come from
 * either file; an overlay's list or scalar replaces the base's. A field that exists is located in the file whose
 * value won (the overlay, when both have it); a missing field points at its deepest existing parent, in the file
 * that first defined that parent (so an overlay that only adds a port does not claim a base server's missing
 * command, while a server the overlay adds is located in the overlay).
 */
function locate(
  files: ParsedFile[],
  fieldPath: readonly (string | number)[],
  keyOnly = false,
): Omit<ConfigIssue, 'message' | 'path'> {
  let providers: Provider[] = files.map((parsed) => ({parsed, node: parsed.doc.contents}))
  let depth = 0
  for (; depth < fieldPath.length; depth++) {
    const next: Provider[] = []
    for (const p of providers) {
      const child = childOf(p.parsed, p.node, fieldPath[depth])
      if (child) next.push({parsed: p.parsed, ...child})
    }
    if (next.length === 0) break
    // Only the trailing run of maps merges; anything before a list or scalar was replaced by it.
    let first = next.length - 1
    while (
      first > 0 &&
      isMapNode(next[first].parsed, next[first].node) &&
      isMapNode(next[first - 1].parsed, next[first - 1].node)
    )
      first--
    providers = next.slice(first)
  }
  const full = depth === fieldPath.length
  const chosen = full ? providers[providers.length - 1] : providers[0]
  // A missing field is reported at its parent's key (`web:`), which names the thing that lacks it.
  const keyNode = (keyOnly || !full) && isNode(chosen.key) ? chosen.key : undefined
  const valueNode = isNode(chosen.node) ? chosen.node : isNode(chosen.key) ? chosen.key : undefined
  const offset = (keyNode ?? valueNode)?.range?.[0]
  if (offset === undefined) return {file: chosen.parsed.file}
  const pos = chosen.parsed.lines.linePos(offset)
  return {file: chosen.parsed.file, line: pos.line, column: pos.col}
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'nothing (an empty value)'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list'
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty map' : 'a map'
  return JSON.stringify(value)
}

function getAt(value: unknown, fieldPath: readonly (string | number)[]): unknown {
  let cur = value
  for (const part of fieldPath) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string | number, unknown>)[part]
  }
  return cur
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  integer: 'a whole number',
}

/**
 * What a value of these schemas looks like, in words. They are unions underneath, which zod would describe as
 * "a number or a string" (a port) or "'no' | 'on-failure' | 'always' or a map" (a restart policy).
 */
const EXPECTED = new Map<z.ZodTypeAny, string>([
  [Port, 'a number from 1 to 65535'],
  [Duration, 'a duration such as 500ms, 2s or 1m'],
  [DependsOn, 'a list of names such as [services], or a map of name: condition such as {services: ready}'],
  [RestartPolicy, 'one of no, on-failure, always, or a map {policy, maxRestarts, window, backoff}'],
  [ApiKey, 'a string (quote a key that looks like a number), or a map {value, file}'],
])

function expectedAt(fieldPath: readonly (string | number)[]): string | undefined {
  for (const schema of schemasAt(Config, fieldPath)) {
    for (let cur: z.ZodTypeAny | undefined = schema; cur; cur = peel(cur)) {
      const words = EXPECTED.get(cur)
      if (words) return words
    }
  }
  return undefined
}

/** ['a', 'b', 'c'] → "a, b or c". */
function joinOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

/** Turns one zod issue into human words; unions are reduced to the branch that got furthest. */
function explain(issue: z.ZodIssue, data: unknown): {path: (string | number)[]; message: string; keyOnly?: boolean}[] {
  const got = describeValue(getAt(data, issue.path))
  switch (issue.code) {
    case 'invalid_type':
      if (issue.received === 'undefined')
        return [{path: issue.path, message: `is required (${TYPE_NAMES[issue.expected] ?? issue.expected})`}]
      return [{path: issue.path, message: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${got}`}]
    case 'invalid_enum_value':
      return [
        {
          path: issue.path,
          message: `expected one of ${issue.options.join(', ')}, got ${got}${suggest(String(getAt(data, issue.path)), issue.options.map(String))}`,
        },
      ]
    case 'invalid_literal':
      return [{path: issue.path, message: `expected ${JSON.stringify(issue.expected)}, got ${got}`}]
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const allowed = allowedKeysAt(Config, issue.path)
        return {
          path: [...issue.path, key],
          keyOnly: true,
          message: `unknown key${suggest(key, allowed)}${allowed.length > 0 && !didYouMean(key, allowed) ? ` (expected one of ${allowed.join(', ')})` : ''}`,
        }
      })
    case 'invalid_union': {
      const branches = issue.unionErrors.map((e) => e.issues)
      const allTypeErrorsHere = branches.every((b) =>
        b.every((i) => i.code === 'invalid_type' && i.path.length === issue.path.length),
      )
      if (allTypeErrorsHere) {
        const expected = [
          ...new Set(
            branches.flat().map((i) => (i.code === 'invalid_type' ? (TYPE_NAMES[i.expected] ?? i.expected) : '')),
          ),
        ]
        const words = expectedAt(issue.path) ?? joinOr(expected)
        if (getAt(data, issue.path) === undefined) return [{path: issue.path, message: `is required (${words})`}]
        return [{path: issue.path, message: `expected ${words}, got ${got}`}]
      }
      // The branch whose issues reach deepest matched the shape best; report its problems.
      const depth = (b: z.ZodIssue[]) =>
        Math.max(...b.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5)))
      const best = [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]
      return best.flatMap((i) => explain(i, data))
    }
    case 'too_small':
      if (issue.type === 'array')
        return [
          {
            path: issue.path,
            message:
              issue.minimum === 1
                ? 'must not be empty: give at least one item'
                : `expected at least ${issue.minimum} items, got ${got}`,
          },
        ]
      if (issue.type === 'string') return [{path: issue.path, message: 'must not be empty'}]
      return [
        {
          path: issue.path,
          message: `expected ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}, got ${got}`,
        },
      ]
    case 'too_big':
      return [
        {
          path: issue.path,
          message: `expected ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${got}`,
        },
      ]
    case 'invalid_string': {
      // A record's key schema (server names, env var names) reports at the key's path: it is the key that is wrong.
      const last = issue.path[issue.path.length - 1]
      if (typeof last === 'string' && isRecordAt(Config, issue.path.slice(0, -1)))
        return [{path: issue.path, keyOnly: true, message: `${issue.message}, got the key ${JSON.stringify(last)}`}]
      return [{path: issue.path, message: `${issue.message}, got ${got}`}]
    }
    default:
      return [
        {
          path: issue.path,
          message: issue.message.startsWith('expected') ? issue.message : `${issue.message} (got ${got})`,
        },
      ]
  }
}

function suggest(input: string, candidates: readonly string[]): string {
  const hit = didYouMean(input, candidates)
  return hit ? `; did you mean "${hit}"?` : ''
}

/**
 * Loads, interpolates and validates the config. Throws ConfigError (and only ConfigError) listing every issue.
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const file = findConfigFile(options)
  const root = path.dirname(file)
  const base = parseFile(file)
  if (Array.isArray(base)) throw new ConfigError(base)
  const files: ParsedFile[] = [base]
  const issues: ConfigIssue[] = []

  const localFile = path.join(root, LOCAL_OVERLAY_FILE)
  if (!options.noLocal && existsSync(localFile)) {
    const local = parseFile(localFile)
    if (Array.isArray(local)) issues.push(...local)
    else files.push(local)
  }
  const dotenv = readDotenv(root)
  issues.push(...dotenv.issues)
  if (issues.length > 0) throw new ConfigError(issues)

  const values: unknown[] = []
  for (const f of files) {
    try {
      values.push(f.doc.toJS({maxAliasCount: 100}))
    } catch (error) {
      // yaml refuses alias bombs (and a few other pathological documents) while converting: point at the first
      // alias, where the expansion begins.
      const at = firstAliasOffset(f.doc)
      const pos = at === undefined ? undefined : f.lines.linePos(at)
      issues.push({
        file: f.file,
        line: pos?.line,
        column: pos?.col,
        path: '',
        message: `YAML could not be read: ${(error as Error).message}`,
      })
    }
  }
  if (issues.length > 0) throw new ConfigError(issues)
  for (const [i, value] of values.entries()) {
    if (value === null || value === undefined) {
      if (i === 0) {
        // A file of comments has no position to give; a lone `~` or `null` does.
        const at = files[i].doc.contents?.range?.[0]
        const pos = at === undefined ? undefined : files[i].lines.linePos(at)
        issues.push({
          file: files[i].file,
          line: pos?.line,
          column: pos?.col,
          path: '',
          message: 'the file is empty; run `naaccord init` for a starting point',
        })
      }
    } else if (!isPlainObject(value)) {
      const pos = files[i].lines.linePos(files[i].doc.contents?.range?.[0] ?? 0)
      issues.push({
        file: files[i].file,
        line: pos.line,
        column: pos.col,
        path: '',
        message: `expected a map of settings at the top level, got ${describeValue(value)}`,
      })
    }
  }
  if (issues.length > 0) throw new ConfigError(issues)
  const merged = values.reduce((acc, v) => mergeOverlay(acc, v ?? {}), {})

  const vars: Record<string, string | undefined> = {...dotenv.vars, ...(options.env ?? process.env)}
  const interpolationErrors: InterpolationError[] = []
  const data = interpolateValue(merged, vars, interpolationErrors)
  for (const error of interpolationErrors) {
    issues.push({...locate(files, error.path), path: formatPath(error.path), message: error.message})
  }
  // An interpolation error does not hide the rest of the file: the schema still runs, and only its complaints
  // about the very values that could not be interpolated are left out (they would say the same thing twice).
  const failedPaths = interpolationErrors.map((e) => formatPath(e.path))
  const isFailed = (p: (string | number)[]) => {
    const text = formatPath(p)
    return failedPaths.some((f) => text === f || text.startsWith(`${f}.`) || text.startsWith(`${f}[`))
  }

  const result = Config.safeParse(data)
  const seen = new Set<string>()
  const add = (entry: ConfigIssue) => {
    const key = `${entry.file}:${entry.line}:${entry.path}:${entry.message}`
    if (!seen.has(key)) {
      seen.add(key)
      issues.push(entry)
    }
  }
  if (!result.success) {
    for (const issue of result.error.issues) {
      for (const e of explain(issue, data)) {
        if (isFailed(e.path)) continue
        add({
          ...locate(files, e.path, e.keyOnly),
          path: formatPath(e.path),
          message: e.message + writtenAs(getAt(merged, e.path), getAt(data, e.path)),
        })
      }
    }
  } else {
    for (const g of [...checkConfigGraph(result.data), ...checkStorage(result.data, root)]) {
      if (isFailed(g.path)) continue
      add({
        ...locate(files, g.path, g.keyOnly),
        path: formatPath(g.path),
        message: g.message + writtenAs(getAt(merged, g.path), getAt(data, g.path)),
      })
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(sortIssues(issues))
  return {file, root, sources: files.map((f) => f.file), dotenv: dotenv.vars, vars, config: result.data}
}

/**
 * The storage root must be a folder of its own: empty (an unset \${VAR}) or `.` would make the project root itself
 * the services' workspace, and its uploads/ processed/ temp/ would land among the sources.
 */
function checkStorage(
  config: {storage: string},
  root: string,
): {path: (string | number)[]; message: string; keyOnly?: boolean}[] {
  if (config.storage.trim() === '')
    return [
      {path: ['storage'], message: 'must not be empty: it names the services storage root (e.g. storage/workspace)'},
    ]
  if (path.resolve(root, config.storage) === root)
    return [
      {
        path: ['storage'],
        message: `resolves to the project root itself (${root}); give a folder of its own, e.g. storage/workspace`,
      },
    ]
  return []
}

/** The offset of the first alias (`*name`) in a document, if it has one. */
function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0]
      return visit.BREAK
    },
  })
  return offset
}

/** For a value that came from ${VAR}: what was written, so that `got ""` explains itself (an unset variable). */
function writtenAs(raw: unknown, value: unknown): string {
  return typeof raw === 'string' && raw.includes('$') && raw !== value ? ` (written as ${JSON.stringify(raw)})` : ''
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  )
}
