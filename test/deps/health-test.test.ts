/** Running a container's health check: the test's argv, and waiting for its published port (real sockets). */
import {createServer, type Server} from 'node:net'
import {describe, expect, it} from 'vitest'
import {healthTestCommand, portAccepts, waitForPort} from '../../src/deps/health-test.js'
import {freePort} from '../../src/util/ports.js'

it('healthTestCommand: CMD runs its argv, CMD-SHELL through sh; NONE and empty have none', () => {
  expect(healthTestCommand(['CMD', 'redis-cli', 'ping'])).toEqual(['redis-cli', 'ping'])
  expect(healthTestCommand(['CMD-SHELL', 'test -f /ok || exit 1'])).toEqual(['/bin/sh', '-c', 'test -f /ok || exit 1'])
  expect([undefined, [], ['NONE'], ['NONE', 'x'], ['CMD']].map((t) => healthTestCommand(t))).toEqual(
    Array(5).fill(undefined),
  )
})

function listen(port: number): Promise<Server> {
  const server = createServer((socket) => socket.end())
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}
const close = (server: Server) => new Promise((resolve) => server.close(resolve))

describe('ports', () => {
  it('portAccepts: true while something listens, false once it stops', async () => {
    const port = await freePort()
    const server = await listen(port)
    expect(await portAccepts(port)).toBe(true)
    await close(server)
    expect(await portAccepts(port)).toBe(false)
  })

  it('waitForPort returns true once the port starts accepting, false when it never does or the signal aborts', async () => {
    const port = await freePort()
    let server: Server | undefined
    const order: string[] = []
    const waiting = waitForPort(port, 60_000).then((ok) => order.push(`accepted ${ok}`))
    setTimeout(async () => {
      order.push('listening')
      server = await listen(port)
    }, 50)
    await waiting
    expect(order).toEqual(['listening', 'accepted true'])
    await close(server as Server)
    expect(await waitForPort(port, 60)).toBe(false)
    const ac = new AbortController()
    const aborted = waitForPort(port, 600_000, ac.signal)
    ac.abort()
    expect(await aborted).toBe(false)
  })
})
