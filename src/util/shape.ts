/**
 * Structural checks for small JSON files read on every session command (session.lock, state.json), written out
 * because importing zod cost ~20 ms of a ~200 ms `naaccord status`. The same meanings as zod's: a required value
 * that is absent is "Required", `optional` lets it be absent (not null), `withDefault` fills it when absent,
 * `object` keeps keys it does not check (zod's passthrough). `parseShape` reports the first problem as
 * `path: message` (`(top level)` for the value itself).
 */

type Path = (string | number)[]
export type Check<T> = (value: unknown, path: Path) => T

class ShapeError extends Error {
  constructor(
    readonly path: Path,
    message: string,
  ) {
    super(message)
  }
}

function fail(path: Path, message: string): never {
  throw new ShapeError(path, message)
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function expect(type: string, value: unknown, path: Path): void {
  if (value === undefined) fail(path, 'Required')
  fail(path, `Expected ${type}, received ${kindOf(value)}`)
}

export function string(opts: {min?: number} = {}): Check<string> {
  return (value, path) => {
    if (typeof value !== 'string') expect('string', value, path)
    const s = value as string
    if (opts.min !== undefined && s.length < opts.min)
      fail(path, `String must contain at least ${opts.min} character(s)`)
    return s
  }
}

export function number(opts: {int?: boolean; positive?: boolean; nonnegative?: boolean} = {}): Check<number> {
  return (value, path) => {
    if (typeof value !== 'number' || Number.isNaN(value)) expect('number', value, path)
    const n = value as number
    if (opts.int && !Number.isInteger(n)) fail(path, 'Expected integer, received float')
    if (opts.positive && !(n > 0)) fail(path, 'Number must be greater than 0')
    if (opts.nonnegative && !(n >= 0)) fail(path, 'Number must be greater than or equal to 0')
    return n
  }
}

export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  const list = values.map((v) => `'${v}'`).join(' | ')
  return (value, path) => {
    if (typeof value !== 'string') expect(list, value, path)
    if (!(values as readonly string[]).includes(value as string))
      fail(path, `Invalid enum value. Expected ${list}, received '${value}'`)
    return value as T
  }
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value, path) => (value === undefined ? undefined : check(value, path))
}

export function withDefault<T>(check: Check<T>, fallback: T): Check<T> {
  return (value, path) => (value === undefined ? fallback : check(value, path))
}

export function array<T>(check: Check<T>): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) expect('array', value, path)
    return (value as unknown[]).map((item, i) => check(item, [...path, i]))
  }
}

type Shaped<S extends Record<string, Check<unknown>>> = {[K in keyof S]: ReturnType<S[K]>} & Record<string, unknown>

export function object<S extends Record<string, Check<unknown>>>(shape: S): Check<Shaped<S>> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) expect('object', value, path)
    const input = value as Record<string, unknown>
    const out: Record<string, unknown> = {...input}
    for (const [key, check] of Object.entries(shape)) {
      const checked = check(input[key], [...path, key])
      if (checked !== undefined || key in input) out[key] = checked
    }
    return out as Shaped<S>
  }
}

/** The value, checked (defaults filled), or the first problem as `path: message`. */
export function parseShape<T>(check: Check<T>, value: unknown): {value: T; problem?: undefined} | {problem: string} {
  try {
    return {value: check(value, [])}
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error
    return {problem: `${error.path.length > 0 ? error.path.join('.') : '(top level)'}: ${error.message}`}
  }
}
