/** The checks' shared assertions: each failure says what was expected and what came back. */
import {describe, expect, it} from 'vitest'
import {expectDownload} from '../../src/smoke/checks/expect.js'
import type {DownloadResult} from '../../src/smoke/client.js'
import {CheckFailure} from '../../src/smoke/types.js'

const down = (over: Partial<DownloadResult>): DownloadResult => ({
  status: 200,
  headers: {},
  sha256: 'abc',
  bytes: 3,
  ms: 0,
  ...over,
})

function failure(fn: () => void): CheckFailure {
  try {
    fn()
  } catch (error) {
    if (error instanceof CheckFailure) return error
    throw error
  }
  throw new Error('no CheckFailure')
}

describe('expectDownload', () => {
  it('passes the bytes that were sent', () => {
    expect(() => expectDownload(down({}), 3, 'abc')).not.toThrow()
  })

  it('a status other than 200 fails with the status and the body', () => {
    const f = failure(() => expectDownload(down({status: 404, text: 'not found'}), 3, 'abc'))
    expect([f.message, f.expected, f.actual]).toEqual([
      'download: got 404',
      'status 200 and the bytes',
      '404 not found',
    ])
  })

  it('other bytes fail with both sizes and digests, under the given headline', () => {
    const f = failure(() => expectDownload(down({sha256: 'def', bytes: 2}), 3, 'abc'))
    expect([f.message, f.expected, f.actual]).toEqual([
      'download: the bytes differ from the upload',
      '3 bytes, sha256 abc',
      '2 bytes, sha256 def',
    ])
    expect(failure(() => expectDownload(down({sha256: 'def'}), 3, 'abc', 'assembled differs')).message).toBe(
      'assembled differs',
    )
  })
})
