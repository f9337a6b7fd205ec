/** One problem in a config file, located as precisely as the YAML allows. */
export interface ConfigIssue {
  file: string
  line?: number
  column?: number
  /** Dotted field path, e.g. servers.web.port ('' for the whole file). */
  path: string
  message: string
}

/** The headline over a config's problems, as every command prints it (the problems follow, indented). */
export function configProblemsHeadline(count: number): string {
  return `✗ naaccord: the config has ${count === 1 ? 'a problem' : `${count} problems`}:`
}

/** The only error the config loader throws: every problem at once, each with file, line, column and field. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[]

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'))
    this.name = 'ConfigError'
    this.issues = issues
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += out ? `.${part}` : part
    else out += `[${JSON.stringify(part)}]`
  }
  return out
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]
}

export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const score = editDistance(input, candidate)
    if (score < bestScore) {
      best = candidate
      bestScore = score
    }
  }
  if (best === undefined) return undefined
  const limit = Math.max(2, Math.floor(best.length / 3))
  if (bestScore <= limit) return best
  if (best.toLowerCase().startsWith(input.toLowerCase()) || input.toLowerCase().startsWith(best.toLowerCase()))
    return best
  // A part of one name only, such as TERM for SIGTERM.
  if (input.length >= 3) {
    const containing = candidates.filter((c) => c.toLowerCase().includes(input.toLowerCase()))
    if (containing.length === 1) return containing[0]
  }
  return undefined
}
