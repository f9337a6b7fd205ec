/**
 * A container's log stream as lines (src/deps/logs.ts). The engine decides where its frames and chunks end, so a
 * cut inside a UTF-8 character cannot be arranged with a real container: the container here is a stub whose
 * logs() hands back a stream we write frames to; the demultiplexing is docker-modem's own.
 */
import {PassThrough} from 'node:stream'
import Modem from 'docker-modem'
import type Docker from 'dockerode'
import {describe, expect, it} from 'vitest'
import {demuxBuffer, followLogs} from '../../src/deps/logs.js'

function frame(stream: 1 | 2, payload: Buffer): Buffer {
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

describe('followLogs', () => {
  it('keeps a UTF-8 character whole when the engine splits it across two frames', async () => {
    const raw = new PassThrough()
    const container = {logs: async () => raw, modem: new Modem()} as unknown as Docker.Container
    const got: [string, string][] = []
    const follower = await followLogs(container, '2026-01-01T00:00:00Z', (stream, line) => got.push([stream, line]))
    const text = Buffer.from('naïve ✓\n', 'utf8')
    const cut = text.indexOf(0xe2) + 1 // inside the three bytes of ✓
    raw.write(frame(1, text.subarray(0, 3))) // inside the two bytes of ï
    raw.write(frame(1, text.subarray(3, cut)))
    raw.write(frame(1, text.subarray(cut)))
    raw.write(frame(2, Buffer.from('é', 'utf8').subarray(0, 1)))
    raw.write(frame(2, Buffer.concat([Buffer.from('é', 'utf8').subarray(1), Buffer.from('\n')])))
    raw.end()
    await follower.done
    expect(got).toEqual([
      ['stdout', 'naïve ✓'],
      ['stderr', 'é'],
    ])
  })
})

describe('demuxBuffer', () => {
  it('keeps a character whole across frames', () => {
    const e = Buffer.from('é\n', 'utf8')
    expect(demuxBuffer(Buffer.concat([frame(1, e.subarray(0, 1)), frame(1, e.subarray(1))]))).toEqual([
      {stream: 'stdout', line: 'é'},
    ])
  })
})
