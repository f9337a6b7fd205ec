/** A pull's per-layer progress from events shaped as Docker's and podman's pull streams send them. */
import {describe, expect, it} from 'vitest'
import {PullPacer, PullProgress} from '../../src/deps/pull-progress.js'

describe('PullProgress', () => {
  it('follows each layer from "Pulling fs layer" to "Pull complete", with bytes while downloading', () => {
    const p = new PullProgress()
    // The image's own status lines carry no layer: not counted.
    expect(p.update({status: 'Pulling from library/redis', id: '7'})).toBe(false)
    expect(p.update({status: 'Pulling fs layer', progressDetail: {}, id: 'a2abf6c4d29d'})).toBe(true)
    p.update({status: 'Pulling fs layer', progressDetail: {}, id: 'c7a4e4382001'})
    p.update({status: 'Already exists', progressDetail: {}, id: '4044b9ba67c9'})
    p.update({status: 'Downloading', progressDetail: {current: 1_000_000, total: 5_000_000}, id: 'a2abf6c4d29d'})
    p.update({status: 'Downloading', progressDetail: {current: 500_000, total: 2_000_000}, id: 'c7a4e4382001'})
    expect(p.lines()).toEqual([
      'a2abf6c4d29d  Downloading  1.0 MB / 5.0 MB',
      'c7a4e4382001  Downloading  0.5 MB / 2.0 MB',
      '4044b9ba67c9  Already exists',
    ])
    expect(p.summary()).toBe('1 of 3 layers done, 1.5 MB of 7.0 MB')
    p.update({status: 'Download complete', progressDetail: {}, id: 'a2abf6c4d29d'})
    expect(p.summary()).toBe('1 of 3 layers done, 5.5 MB of 7.0 MB')
    p.update({status: 'Pull complete', progressDetail: {}, id: 'a2abf6c4d29d'})
    p.update({status: 'Pull complete', progressDetail: {}, id: 'c7a4e4382001'})
    expect(p.update({status: 'Digest: sha256:0123'})).toBe(false)
    expect(p.update({status: 'Status: Downloaded newer image for redis:7'})).toBe(false)
    expect(p.summary()).toBe('3 of 3 layers done, 7.0 MB of 7.0 MB')
    expect(p.lines()[0]).toBe('a2abf6c4d29d  Pull complete')
  })

  it('an error event is not a layer (the pull reports it as a failure)', () => {
    const p = new PullProgress()
    expect(p.update({error: 'manifest unknown', errorDetail: {message: 'manifest unknown'}})).toBe(false)
    expect(p.lines()).toEqual([])
    expect(p.summary()).toBe('0 of 0 layers done')
  })

  it('paces a pull: the view at most every 250 ms, a log line every 5 s from the first event, not at it', () => {
    const pacer = new PullPacer()
    const at = (times: number[], due: (t: number) => boolean) => times.filter(due)
    // Events every 100 ms for 12 s.
    const times = Array.from({length: 120}, (_, i) => 1000 + i * 100)
    expect(at(times, (t) => pacer.log(t))).toEqual([6000, 11000])
    const view = new PullPacer()
    const shown = at(times.slice(0, 10), (t) => view.view(t))
    expect(shown).toEqual([1000, 1300, 1600, 1900])
  })
})
