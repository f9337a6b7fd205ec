/**
 * ndjsonBatches on real HTTP responses from a server on 127.0.0.1 (port 0). The server writes its chunks one by
 * one, the next only once the reader has yielded the batch the previous chunk completed, so a line (or a UTF-8
 * character) split across chunks really reaches the reader in two reads.
 */
import http from 'node:http'
import type net from 'node:net'
import {afterEach, expect, it} from 'vitest'
import {ndjsonBatches} from '../../src/session/ndjson.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

type Step = string | Buffer | 'destroy'

/**
 * A server answering every request with the steps: each string or buffer is one write; the server waits for
 * `next()` between writes; 'destroy' cuts the connection; the response ends after the last step.
 */
async function serve(steps: Step[]) {
  const waiting: (() => void)[] = []
  let pending = 0
  const next = () => {
    const go = waiting.shift()
    if (go) go()
    else pending++
  }
  const gate = () =>
    new Promise<void>((resolve) => {
      if (pending > 0) {
        pending--
        resolve()
      } else waiting.push(resolve)
    })
  const server = http.createServer(async (_req, res) => {
    res.writeHead(200, {'content-type': 'application/x-ndjson'})
    for (const [i, step] of steps.entries()) {
      if (i > 0) await gate()
      if (step === 'destroy') {
        res.socket?.destroy()
        return
      }
      res.write(step)
    }
    res.end()
  })
  const sockets = new Set<net.Socket>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  const {port} = server.address() as net.AddressInfo
  const get = () =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get({host: '127.0.0.1', port, path: '/'}, resolve)
      req.on('error', reject)
      cleanups.push(() => {
        req.destroy()
      })
    })
  return {get, next}
}

/** Reads every batch; after each one, lets the server write its next chunk. */
async function readAll<T>(steps: Step[]): Promise<{batches: T[][]; error?: Error}> {
  const {get, next} = await serve(steps)
  const batches: T[][] = []
  try {
    for await (const batch of ndjsonBatches<T>(await get())) {
      batches.push(batch)
      next()
    }
  } catch (error) {
    return {batches, error: error as Error}
  }
  return {batches}
}

it('a chunk of whole lines is one batch, in order', async () => {
  const {batches, error} = await readAll<{n: number}>(['{"n":1}\n{"n":2}\n{"n":3}\n'])
  expect(error).toBeUndefined()
  expect(batches.flat()).toEqual([{n: 1}, {n: 2}, {n: 3}])
  expect(batches.length).toBeLessThan(3)
})

it('a flood of lines comes in far fewer batches than lines', async () => {
  const lines = Array.from({length: 500}, (_, i) => `{"i":${i},"line":"${'x'.repeat(40)}"}\n`).join('')
  const {batches} = await readAll<{i: number}>([lines])
  expect(batches.flat().map((o) => o.i)).toEqual(Array.from({length: 500}, (_, i) => i))
  expect(batches.length).toBeLessThan(50)
})

it('a line split across two chunks is joined, and the batch before it holds only whole lines', async () => {
  const {batches} = await readAll<{n: number; s?: string}>(['{"n":0}\n{"n":1,"s":"ab', 'cd"}\n{"n":2}\n'])
  expect(batches[0]).toEqual([{n: 0}])
  expect(batches.flat()).toEqual([{n: 0}, {n: 1, s: 'abcd'}, {n: 2}])
})

it('a UTF-8 character split across chunks arrives whole', async () => {
  const text = Buffer.from('{"s":"é€"}\n')
  const cut = text.indexOf(Buffer.from('€')) + 1
  const {batches} = await readAll<{n?: number; s?: string}>([
    Buffer.concat([Buffer.from('{"n":0}\n'), text.subarray(0, cut)]),
    text.subarray(cut),
  ])
  expect(batches.flat()).toEqual([{n: 0}, {s: 'é€'}])
})

it('empty lines are skipped, and a last line without a newline is still read', async () => {
  const {batches} = await readAll<{n: number}>(['\n\n{"n":1}\n\n', '{"n":2}'])
  expect(batches.flat()).toEqual([{n: 1}, {n: 2}])
})

it('trailing whitespace at the end is not a line', async () => {
  const {batches, error} = await readAll<{n: number}>(['{"n":1}\n', '  \t'])
  expect(error).toBeUndefined()
  expect(batches.flat()).toEqual([{n: 1}])
})

it('a line that is not JSON throws, after the batches before it', async () => {
  const {batches, error} = await readAll<{n: number}>(['{"n":1}\n', 'not json\n'])
  expect(batches).toEqual([[{n: 1}]])
  expect(error).toBeInstanceOf(SyntaxError)
})

it('a connection cut mid-stream ends the reading with an error, not silently and not unhandled', async () => {
  const {batches, error} = await readAll<{n: number}>(['{"n":1}\n{"n":', 'destroy'])
  expect(batches).toEqual([[{n: 1}]])
  expect(error).toBeInstanceOf(Error)
  expect(String(error)).toMatch(/aborted|ECONNRESET|socket hang up/)
})

it('a connection cut while the reader is busy with a batch is told at the next read', async () => {
  const {get, next} = await serve(['{"n":1}\n', 'destroy'])
  const res = await get()
  const closed = new Promise((resolve) => res.once('close', resolve))
  const seen: number[] = []
  let error: unknown
  try {
    for await (const batch of ndjsonBatches<{n: number}>(res)) {
      seen.push(...batch.map((o) => o.n))
      next()
      // Busy: no read is pending while the connection goes.
      await closed
    }
  } catch (e) {
    error = e
  }
  expect(seen).toEqual([1])
  expect(String(error)).toMatch(/aborted|ECONNRESET|socket hang up/)
})
