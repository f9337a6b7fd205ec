/**
 * Log text → something blessed can show safely. Blessed parses `{tags}` in content and keeps SGR colour codes
 * (`ESC[…m`), but drops only the ESC byte of any other escape sequence (leaving `[2K` litter) and lets a stray
 * `{bold}` or `}{` in a log line restyle or garble the screen. So: keep SGR, remove every other control sequence,
 * apply the carriage returns the way a terminal would, expand tabs, and escape braces.
 */

const SGR = /^\x1b\[[0-9;]*m$/
// CSI (ESC [ params intermediates final), OSC (ESC ] … BEL or ST), other two-byte escapes, and C0/DEL controls.
const CONTROL_SEQ =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_][^\x1b]*(?:\x1b\\)?|\x1b[ -~]?/g
const C0 = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g
const ANSI_SGR = /\x1b\[[0-9;]*m/g

/** Lines longer than this are cut before display (the whole line stays in the log file and in $PAGER). */
export const MAX_DISPLAY_CHARS = 4096

/** Keeps SGR colour codes and printable text; drops every other control sequence and byte. */
export function sanitizeLine(raw: string): string {
  let line = raw.length > MAX_DISPLAY_CHARS * 2 ? raw.slice(0, MAX_DISPLAY_CHARS * 2) : raw
  // A carriage return starts the line over (progress bars): what a terminal would show is what follows the last one.
  if (line.includes('\r')) {
    line = line.replace(/\r+$/, '')
    line = line.slice(line.lastIndexOf('\r') + 1)
  }
  if (line.includes('\x1b')) line = line.replace(CONTROL_SEQ, (seq) => (SGR.test(seq) ? seq : ''))
  if (line.includes('\t')) line = expandTabs(line)
  return line.replace(C0, '')
}

/** The text without any SGR codes: what search and filters match against. */
export function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(ANSI_SGR, '') : line
}

/** Blessed's tag escaping: `{` → `{open}`, `}` → `{close}`, in one pass so the replacements are never re-escaped. */
export function escapeTags(text: string): string {
  if (!text.includes('{') && !text.includes('}')) return text
  return text.replace(/[{}]/g, (ch) => (ch === '{' ? '{open}' : '{close}'))
}

function expandTabs(line: string): string {
  let out = ''
  let col = 0
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b')) {
      out += part
      continue
    }
    for (const ch of part) {
      if (ch === '\t') {
        const n = 8 - (col % 8)
        out += ' '.repeat(n)
        col += n
      } else {
        out += ch
        col++
      }
    }
  }
  return out
}

/** Splits a sanitized line into SGR codes and text runs, in order. */
export function tokenize(line: string): {sgr: boolean; text: string}[] {
  const out: {sgr: boolean; text: string}[] = []
  let last = 0
  for (const m of line.matchAll(ANSI_SGR)) {
    if (m.index > last) out.push({sgr: false, text: line.slice(last, m.index)})
    out.push({sgr: true, text: m[0]})
    last = m.index + m[0].length
  }
  if (last < line.length) out.push({sgr: false, text: line.slice(last)})
  return out
}
