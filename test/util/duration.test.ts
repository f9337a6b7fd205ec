import {describe, expect, it} from 'vitest'
import {formatDuration, parseDuration, parseSize} from '../../src/util/duration.js'

describe('parseDuration', () => {
  it('reads ms, s, m, h and bare milliseconds', () => {
    expect(['500ms', '2s', '1.5m', '1h', '250', ' 3 s '].map(parseDuration)).toEqual([
      500, 2000, 90_000, 3_600_000, 250, 3000,
    ])
    expect(parseDuration(42)).toBe(42)
  })
  it('is undefined for anything else', () => {
    expect(['', 'soon', '2d', '-1s', '1s2'].map(parseDuration)).toEqual(Array(5).fill(undefined))
    expect([-1, Number.NaN, Number.POSITIVE_INFINITY].map(parseDuration)).toEqual([undefined, undefined, undefined])
  })
})

it('formatDuration: ms, seconds with 2 then 1 decimals, minutes, hours', () => {
  expect([87, 999, 1234, 10_000, 59_999, 125_000, 3_600_000, 3_725_000].map(formatDuration)).toEqual([
    '87ms',
    '999ms',
    '1.23s',
    '10.0s',
    '60.0s',
    '2m05s',
    '1h00m',
    '1h02m',
  ])
})

it('parseSize: binary and decimal units, case-insensitive; undefined for anything else', () => {
  expect(['64MiB', '512MB', '2GiB', '1000', '1k', '1.5 kb', '3m'].map(parseSize)).toEqual([
    64 * 1024 ** 2,
    512e6,
    2 * 1024 ** 3,
    1000,
    1024,
    1500,
    3 * 1024 ** 2,
  ])
  expect(['lots', '1TB', '-5'].map(parseSize)).toEqual([undefined, undefined, undefined])
  expect([7, 1.5, -1].map(parseSize)).toEqual([7, undefined, undefined])
})
