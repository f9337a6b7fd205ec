/**
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and `$$` (a literal `$`), as docker compose
 * reads them. Only string values are interpolated, never keys. Errors carry the path of the string so that the
 * loader can point at its line and column.
 */
export interface InterpolationError {
  path: (string | number)[]
  message: string
}

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^{}]|\{[^{}]*\})*))?\}|\$\{([^}]*)\}?/g

export function interpolateString(
  input: string,
  vars: Record<string, string | undefined>,
  onError: (message: string) => void,
): string {
  return input.replace(PATTERN, (match, name?: string, colon?: string, op?: string, arg?: string) => {
    if (match === '$$') return '$'
    if (name === undefined) {
      onError(
        `invalid interpolation ${JSON.stringify(match)}: expected \${NAME}, \${NAME:-default} or \${NAME:?message}`,
      )
      return match
    }
    const value = vars[name]
    const missing = colon ? value === undefined || value === '' : value === undefined
    if (!op) return value ?? ''
    if (op === '-') return missing ? interpolateString(arg ?? '', vars, onError) : (value as string)
    // op === '?'
    if (missing) {
      onError(`${name} is required: ${arg && arg.length > 0 ? arg : `set ${name} in the environment or in .env`}`)
      return ''
    }
    return value as string
  })
}

/** Interpolates every string in a parsed YAML value, depth first, collecting errors with their paths. */
export function interpolateValue(
  value: unknown,
  vars: Record<string, string | undefined>,
  errors: InterpolationError[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    return interpolateString(value, vars, (message) => errors.push({path, message}))
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateValue(item, vars, errors, [...path, i]))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    // defineProperty, not assignment: a YAML key `__proto__` must stay an own key (the schema reports it).
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(out, key, {
        value: interpolateValue(item, vars, errors, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    return out
  }
  return value
}
