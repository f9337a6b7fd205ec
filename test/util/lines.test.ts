/** The one line splitter (src/util/lines.ts): bytes in, whole lines out. */
import {describe, expect, it} from 'vitest'
import {blockSplitter, lineSplitter, prefixLines, splitLines, wrapPlainLines} from '../../src/util/lines.js'

function linesOf(chunks: Buffer[]): string[] {
  const out: string[] = []
  const s = lineSplitter((l) => out.push(l))
  for (const c of chunks) s.push(c)
  s.end()
  return out
}

describe('lineSplitter', () => {
  it('keeps a UTF-8 character whole when a chunk ends inside it', () => {
    const bytes = Buffer.from('café ✓ done\nnext 😀\n', 'utf8')
    // Cut at every byte: each multi-byte character is split across chunks somewhere.
    for (let cut = 1; cut < bytes.length; cut++)
      expect(linesOf([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['café ✓ done', 'next 😀'])
    expect(linesOf([...bytes].map((b) => Buffer.from([b])))).toEqual(['café ✓ done', 'next 😀'])
  })

  it('drops a \\r before the newline, keeps empty lines and a last line without a newline', () => {
    expect(linesOf([Buffer.from('a\r\n\nb'), Buffer.from('c')])).toEqual(['a', '', 'bc'])
  })

  it('emits nothing for nothing', () => {
    expect(linesOf([])).toEqual([])
    expect(linesOf([Buffer.alloc(0)])).toEqual([])
  })
})

describe('blockSplitter', () => {
  it('hands on blocks of whole lines, copying only the line that was cut', () => {
    const blocks: string[] = []
    const s = blockSplitter((b) => blocks.push(b.toString()))
    s.push(Buffer.from('one\ntw'))
    s.push(Buffer.from('o\nthree\nfo'))
    s.push(Buffer.from('ur'))
    s.end()
    expect(blocks).toEqual(['one\n', 'two\n', 'three\n', 'four\n'])
  })
})

describe('splitLines', () => {
  it('splits a block of whole lines', () => {
    expect(splitLines(Buffer.from('a\nb\r\n'))).toEqual(['a', 'b'])
    expect(splitLines(Buffer.from('a\nb'))).toEqual(['a', 'b'])
  })
})

describe('prefixLines', () => {
  it('puts the prefix before each line of a block, drops a \\r before the newline, keeps empty lines', () => {
    const block = Buffer.from('a\r\n\nbé ✓\n\r\n')
    expect(prefixLines(block, Buffer.from('x | ')).toString()).toBe(
      splitLines(block)
        .map((l) => `x | ${l}\n`)
        .join(''),
    )
    expect(prefixLines(Buffer.alloc(0), Buffer.from('x')).length).toBe(0)
  })
})

describe('wrapPlainLines', () => {
  const before = Buffer.from('{"line":"')
  const after = Buffer.from('"}\n')
  const json = (block: Buffer) =>
    splitLines(block)
      .map((l) => `{"line":${JSON.stringify(l)}}\n`)
      .join('')
  it('wraps each plain line, empty ones and a last one without its newline included, as JSON.stringify would', () => {
    for (const text of ['a\n', 'a b c\n\nd {x} / ~\n', 'no newline', '\n\n', 'x\ny']) {
      const block = Buffer.from(text)
      expect(wrapPlainLines(block, before, after)?.toString()).toBe(json(block))
    }
    expect(wrapPlainLines(Buffer.alloc(0), before, after)?.length).toBe(0)
  })
  it('leaves to the caller any block with a byte JSON escapes or one outside ASCII', () => {
    for (const text of ['a"b\n', 'a\\b\n', 'tab\there\n', 'crlf\r\n', 'é\n', '\u0001\n', 'ok\n✓\n'])
      expect(wrapPlainLines(Buffer.from(text), before, after)).toBeUndefined()
  })
})
