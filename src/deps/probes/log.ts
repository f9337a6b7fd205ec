import type {DepProbe} from './types.js'

/** A line of this start (never an earlier one) matching the pattern. */
export const logProbe: DepProbe = async (probe, ctx) => {
  const log = probe.log
  if (!log) return 'no log probe'
  const re = new RegExp(log.pattern)
  const hit = ctx.lines().some((l) => (log.stream === 'any' || l.stream === log.stream) && re.test(l.line))
  return hit ? undefined : `no log line matching /${log.pattern}/ yet`
}
