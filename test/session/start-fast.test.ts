import {describe, expect, it} from 'vitest'
import {parseFastStart} from '../../src/session/start-fast.js'

describe('start --detach fast path: which command lines it takes', () => {
  it('takes the plain forms, with the flags start --detach knows', () => {
    expect(parseFastStart(['start', '--detach'])).toEqual({json: false})
    expect(parseFastStart(['start', '-d', '--json', '--no-dashboard'])).toEqual({json: true})
    expect(
      parseFastStart(['start', '--only', 'web,services', '--only=flower', '-d', '--no-deps', '--profile', 'docker']),
    ).toEqual({json: false, only: ['web', 'services', 'flower'], noDeps: true, profiles: ['docker']})
    expect(parseFastStart(['start', '-d', '-c', 'x.yaml'])).toEqual({json: false, config: 'x.yaml'})
    expect(parseFastStart(['start', '-d', '--config=x.yaml'])).toEqual({json: false, config: 'x.yaml'})
  })

  it('leaves everything else to the full command', () => {
    expect(parseFastStart(['start'])).toBeUndefined()
    expect(parseFastStart(['stop', '-d'])).toBeUndefined()
    expect(parseFastStart(['start', '-d', '--help'])).toBeUndefined()
    expect(parseFastStart(['start', '-d', '--supervise'])).toBeUndefined()
    expect(parseFastStart(['start', '-d', '--only'])).toBeUndefined()
    expect(parseFastStart(['start', '-d', '--config', '--json'])).toBeUndefined()
    expect(parseFastStart(['start', '-dx'])).toBeUndefined()
  })
})
