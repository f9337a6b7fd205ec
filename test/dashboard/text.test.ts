import {describe, expect, it} from 'vitest'
import {escapeTags, sanitizeLine, stripAnsi, tokenize} from '../../src/dashboard/text.js'

describe('escapeTags', () => {
  it('escapes braces so blessed shows them literally', () => {
    expect(escapeTags('{bold}x{/bold} }{')).toBe('{open}bold{close}x{open}/bold{close} {close}{open}')
    expect(escapeTags('no braces')).toBe('no braces')
  })
})

describe('sanitizeLine', () => {
  it('keeps SGR colour codes', () => {
    expect(sanitizeLine('\x1b[31mred\x1b[0m ok')).toBe('\x1b[31mred\x1b[0m ok')
    expect(sanitizeLine('\x1b[38;5;208morange\x1b[39m')).toBe('\x1b[38;5;208morange\x1b[39m')
  })

  it('drops cursor movement, clears, OSC titles and stray escapes', () => {
    expect(sanitizeLine('\x1b[2K\x1b[1Gdone')).toBe('done')
    expect(sanitizeLine('\x1b]0;title\x07text')).toBe('text')
    expect(sanitizeLine('\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\')).toBe('link')
    expect(sanitizeLine('a\x1b=b\x1b')).toBe('ab')
    expect(sanitizeLine('\x1b[?25lhidden cursor')).toBe('hidden cursor')
  })

  it('removes control bytes, applies carriage returns and expands tabs', () => {
    expect(sanitizeLine('bell\x07 and \x00nul\x7f')).toBe('bell and nul')
    expect(sanitizeLine('progress 10%\rprogress 100%')).toBe('progress 100%')
    expect(sanitizeLine('windows line\r')).toBe('windows line')
    expect(sanitizeLine('a\tb')).toBe('a       b')
    expect(sanitizeLine('\x1b[1mab\x1b[0m\tc')).toBe('\x1b[1mab\x1b[0m      c')
  })

  it('cuts very long lines', () => {
    expect(sanitizeLine('x'.repeat(100_000)).length).toBeLessThanOrEqual(8192)
  })
})

describe('stripAnsi / tokenize', () => {
  it('separates colour codes from text', () => {
    const line = '\x1b[32mGET\x1b[0m /upload {x}'
    expect(stripAnsi(line)).toBe('GET /upload {x}')
    expect(tokenize(line)).toEqual([
      {sgr: true, text: '\x1b[32m'},
      {sgr: false, text: 'GET'},
      {sgr: true, text: '\x1b[0m'},
      {sgr: false, text: ' /upload {x}'},
    ])
  })
})
