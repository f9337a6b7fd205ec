/**
 * deps/dockerode.ts loads dockerode without its ssh transport and BuildKit session until they are called: both
 * must still be there when used (an ssh DOCKER_HOST reaches ssh2), and neither is loaded before.
 */
import {createRequire} from 'node:module'
import net from 'node:net'
import {describe, expect, it} from 'vitest'
import DockerClient, {LAZY_MODULES} from '../../src/deps/dockerode.js'

const require = createRequire(import.meta.url)
const loaded = (name: string) => Object.keys(require.cache).some((f) => f.includes(`/node_modules/${name}/`))

describe('dockerode without its ssh and BuildKit parts until used', () => {
  it('loads neither ssh2 nor gRPC with dockerode; each deferred module is still one function', () => {
    expect(typeof DockerClient).toBe('function')
    expect(loaded('ssh2')).toBe(false)
    expect(loaded('@grpc/grpc-js')).toBe(false)
    for (const file of LAZY_MODULES) expect(typeof require.cache[file]?.exports).toBe('function')
  })

  it('an ssh engine still goes through ssh2: it loads on first use and fails on the connection, not on a stub', async () => {
    // A port that accepts and closes at once: the ssh handshake fails there, after ssh2 has been loaded.
    const server = net.createServer((s) => s.destroy())
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as net.AddressInfo).port
    try {
      const docker = new DockerClient({protocol: 'ssh', host: '127.0.0.1', port, username: 'nobody'} as never)
      const error = await docker.ping().then(
        () => undefined,
        (e: Error) => e,
      )
      expect(error).toBeInstanceOf(Error)
      expect(String(error)).not.toMatch(/is not a function|Cannot find module/)
      expect(loaded('ssh2')).toBe(true)
    } finally {
      server.close()
    }
  })
})
