/**
 * Images by pull policy against the real engine. The stand-in images are present; there is no registry to pull
 * from, so every pull here fails, in the two ways an engine tells it: an HTTP error on the request (a malformed
 * name) or an `error` event inside a 200 progress stream (an unreachable registry).
 */
import {randomBytes} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {ensureImage, ImageError, type PullEvent, pullImage} from '../../src/deps/image.js'
import {engine, MARIADB_IMAGE, NO_ENGINE, REDIS_IMAGE} from './helpers.js'

/** An image under a registry nothing listens on (port 1 of the engine's own localhost): a pull fails fast. */
const absent = () => `localhost:1/naaccord-test/absent-${randomBytes(3).toString('hex')}:1`

describe.skipIf(!engine)(`images by pull policy ${engine ? '' : NO_ENGINE}`, () => {
  const docker = engine!

  function hooks() {
    const seen: string[] = []
    const events: PullEvent[] = []
    return {
      seen,
      events,
      onPullStart: () => seen.push('pull'),
      onEvent: (e: PullEvent) => events.push(e),
    }
  }

  it('a present image under missing or never is left alone: no pull', async () => {
    for (const policy of ['missing', 'never'] as const) {
      for (const image of [REDIS_IMAGE, MARIADB_IMAGE]) {
        const h = hooks()
        await ensureImage(docker, image, policy, h)
        expect(h.seen).toEqual([])
      }
    }
  })

  it('an absent image under never is an ImageError that says how to get it, and nothing is pulled', async () => {
    const image = absent()
    const h = hooks()
    const error = await ensureImage(docker, image, 'never', h).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ImageError)
    expect(error).toMatchObject({
      name: 'ImageError',
      image,
      message: `image ${image}: not present and pull is \`never\` (pull it yourself, or set pull: missing)`,
    })
    expect(h.seen).toEqual([])
  })

  it('an absent image under missing is pulled; a failure inside the progress stream is an ImageError', async () => {
    const image = absent()
    const h = hooks()
    const error = (await ensureImage(docker, image, 'missing', h).catch((e: unknown) => e)) as ImageError
    expect(h.seen).toEqual(['pull'])
    expect(error).toBeInstanceOf(ImageError)
    expect(error.image).toBe(image)
    // The engine's own words, first line, trimmed; the same ones the stream carried.
    const streamed = h.events.map((e) => e.error ?? e.errorDetail?.message).find(Boolean)
    expect(streamed).toBeTruthy()
    expect(error.message).toBe(`image ${image}: pull failed: ${streamed!.trim()}`)
    expect(error.message).toContain('localhost:1')
    expect(error.message).not.toContain('\n')
  })

  it('always pulls even a present image (and fails here: no registry)', async () => {
    const h = hooks()
    const error = await ensureImage(docker, REDIS_IMAGE, 'always', h).catch((e: unknown) => e)
    expect(h.seen).toEqual(['pull'])
    expect(error).toBeInstanceOf(ImageError)
    expect((error as Error).message).toMatch(new RegExp(`^image ${REDIS_IMAGE}: pull failed: \\S`))
  })

  it('a name the engine refuses outright is an ImageError with the engine’s first line', async () => {
    const error = (await pullImage(docker, 'Not A Valid/Name!!').catch((e: unknown) => e)) as ImageError
    expect(error).toBeInstanceOf(ImageError)
    expect(error.image).toBe('Not A Valid/Name!!')
    expect(error.message).toMatch(/^image Not A Valid\/Name!!: pull failed: .*(invalid|reference|format)/i)
    expect(error.message).not.toContain('\n')
  })

  it('pullImage hands every progress event to onEvent, the failing one included', async () => {
    const events: PullEvent[] = []
    await expect(pullImage(docker, absent(), (e) => events.push(e))).rejects.toBeInstanceOf(ImageError)
    expect(events.length).toBeGreaterThan(0)
    expect(events.some((e) => e.error !== undefined || e.errorDetail?.message !== undefined)).toBe(true)
  })
})
