/**
 * Search and filter matching, and the highlighting of matches in a line that keeps its own colours. Matching is on
 * the text without colour codes; smart case: case-insensitive unless the query has a capital letter.
 */
import {escapeTags, tokenize} from './text.js'

export interface Matcher {
  readonly query: string
  test(plain: string): boolean
  /** [start, end) ranges of every match in the plain text. */
  ranges(plain: string): [number, number][]
}

export function createMatcher(query: string): Matcher | undefined {
  if (query === '') return undefined
  const caseSensitive = query !== query.toLowerCase()
  const needle = caseSensitive ? query : query.toLowerCase()
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase())
  return {
    query,
    test: (plain) => fold(plain).includes(needle),
    ranges(plain) {
      const hay = fold(plain)
      const out: [number, number][] = []
      let i = hay.indexOf(needle)
      while (i !== -1) {
        out.push([i, i + needle.length])
        i = hay.indexOf(needle, i + needle.length)
      }
      return out
    },
  }
}

/** Match highlighting: inverse video keeps the line's own colours readable; the current match is also underlined. */
export const HIGHLIGHT_ON = '\x1b[7m'
export const CURRENT_ON = '\x1b[4;7m'
// Blessed's SGR 27 resets every flag (not only inverse), which is what we want at the end of a match.
export const HIGHLIGHT_OFF = '\x1b[27m'

/**
 * A sanitized line → blessed content: braces escaped, SGR kept, matches of `matcher` highlighted.
 * `plain` is the line without SGR codes (callers cache it).
 */
export function renderLine(line: string, plain: string, matcher?: Matcher, current = false): string {
  const ranges = matcher ? matcher.ranges(plain) : []
  if (ranges.length === 0) return escapeTags(line)
  const on = current ? CURRENT_ON : HIGHLIGHT_ON
  let out = ''
  let pos = 0 // offset in the plain text
  let r = 0
  let inside = false
  for (const tok of tokenize(line)) {
    if (tok.sgr) {
      out += tok.text
      // The line's own code may have reset our highlight: put it back.
      if (inside) out += on
      continue
    }
    let text = tok.text
    while (text.length > 0) {
      const range = ranges[r]
      if (!range) {
        out += escapeTags(text)
        pos += text.length
        break
      }
      const boundary = inside ? range[1] : range[0]
      const take = Math.min(text.length, boundary - pos)
      if (take > 0) {
        out += escapeTags(text.slice(0, take))
        pos += take
        text = text.slice(take)
      }
      if (pos === boundary) {
        // A match starting right before a colour code is switched on after it, where its text begins.
        if (!inside && text.length === 0) break
        if (inside) {
          out += HIGHLIGHT_OFF
          inside = false
          r++
        } else {
          out += on
          inside = true
        }
      }
    }
  }
  // A match ending at the very end of the line.
  if (inside) out += HIGHLIGHT_OFF
  return out
}
