/** The key table is the bindings: every key has a help row, every help row a handler, no key is bound twice. */
import {describe, expect, it} from 'vitest'
import {bindingFor, HELP_WIDTH, helpLines, KEYS, MOUSE_HELP, promptKey} from '../../src/dashboard/keys.js'

describe('key table', () => {
  it('every registered key is in the help overlay, and every help row but the mouse has a handler', () => {
    const lines = helpLines()
    expect(lines).toHaveLength(KEYS.length + 1)
    KEYS.forEach((binding, i) => {
      expect(lines[i]).toContain(binding.label)
      expect(lines[i]).toContain(binding.help)
      expect(binding.keys.length, binding.label).toBeGreaterThan(0)
      for (const key of binding.keys) expect(bindingFor(key), key).toBe(binding)
      expect(typeof binding.run).toBe('function')
    })
    expect(lines.at(-1)).toContain(MOUSE_HELP)
    // Each fits the overlay, or its end would be cut off.
    for (const line of lines) expect(line.replace(/\{\/?bold\}/g, '').length, line).toBeLessThanOrEqual(HELP_WIDTH)
  })

  it('binds no key twice', () => {
    const all = KEYS.flatMap((b) => b.keys)
    expect(new Set(all).size).toBe(all.length)
  })
})

describe('promptKey', () => {
  it('edits the text with printable keys and Backspace, applies on Enter, cancels on Esc and Ctrl-C', () => {
    const prompt = {kind: 'search' as const, text: ''}
    for (const ch of 'ab c') expect(promptKey(prompt, ch, ch === ' ' ? 'space' : ch)).toBe('edit')
    expect(prompt.text).toBe('ab c')
    expect(promptKey(prompt, undefined, 'backspace')).toBe('edit')
    expect(promptKey(prompt, '\x7f', 'backspace')).toBe('edit')
    expect(prompt.text).toBe('ab')
    // Control characters and arrows do not go into the text.
    expect(promptKey(prompt, '\x01', 'C-a')).toBe('edit')
    expect(promptKey(prompt, undefined, 'left')).toBe('edit')
    expect(prompt.text).toBe('ab')
    expect(promptKey(prompt, '\r', 'enter')).toBe('apply')
    expect(promptKey(prompt, undefined, 'escape')).toBe('cancel')
    expect(promptKey(prompt, '\x03', 'C-c')).toBe('cancel')
    expect(prompt.text).toBe('ab')
  })
})
