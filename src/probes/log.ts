import type {ProbeKind} from './types.js'

const compiled = new Map<string, RegExp>()

/** Strips ANSI colour codes so a pattern matches what a person reads. */
const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '')

/** Log line: ready once a line of the current launch (on the given stream) matches the pattern. */
export const log: ProbeKind = {
  live: false,
  describe: (probe) => `log /${probe.log!.pattern}/`,
  async attempt(probe, target) {
    const {pattern, stream} = probe.log!
    let re = compiled.get(pattern)
    if (!re) {
      re = new RegExp(pattern)
      compiled.set(pattern, re)
    }
    const hit = target.lines().some((l) => (stream === 'any' || l.stream === stream) && re.test(plain(l.line)))
    return hit ? undefined : `no log line matching /${pattern}/ yet`
  },
}
