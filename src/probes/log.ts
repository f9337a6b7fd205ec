import type {ProbeAttempt} from './types.js'

const compiled = new Map<string, RegExp>()

/** Log line: ready once a line of the current launch matches the pattern. */
export const logProbe: ProbeAttempt = async (probe, ctx) => {
  const pattern = probe.log!.pattern
  let re = compiled.get(pattern)
  if (!re) {
    re = new RegExp(pattern)
    compiled.set(pattern, re)
  }
  // Strip ANSI colour codes so a pattern matches what a person reads.
  const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '')
  return ctx.linesSinceStart().some((line) => re.test(plain(line)))
    ? undefined
    : `no log line matching /${pattern}/ yet`
}
