import {expect, it} from 'vitest'
import {isSecretName, maskSecret, maskSecretsIn} from '../../src/util/mask.js'

it('maskSecret shows the first 4 characters of a long secret, nothing of a short one', () => {
  expect([undefined, '', 'short', 'seven77', 'abcdefgh', 'a-much-longer-key'].map(maskSecret)).toEqual([
    '(unset)',
    '(unset)',
    '…',
    '…',
    'abcd…',
    'a-mu…',
  ])
})

it('maskSecretsIn replaces every occurrence of each known secret, and leaves the rest', () => {
  const key = 'key-0123456789'
  const text = `sent ${key} and ${key}; other ${'pw-987654321'}`
  expect(maskSecretsIn(text, [key, 'pw-987654321', undefined, 'ab'])).toBe('sent key-… and key-…; other pw-9…')
  // Secrets under 4 characters are not scrubbed: they would garble ordinary words.
  expect(maskSecretsIn('an abc', ['abc'])).toBe('an abc')
})

it('isSecretName: keys, secrets, passwords and tokens, but not the *_FILE that points at one', () => {
  expect(
    ['INTERNAL_API_KEY', 'DB_PASSWORD', 'github_token', 'AWS_SECRET', 'PORT', 'INTERNAL_API_KEY_FILE'].map(
      isSecretName,
    ),
  ).toEqual([true, true, true, true, false, false])
})
