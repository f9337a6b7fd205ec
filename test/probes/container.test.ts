/**
 * The Prober on a container target, against the real engine: tcp through the published port, exec inside the
 * container, and `retries` at its boundary exactly as on a server target (prober.test.ts).
 */
import type Docker from 'dockerode'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import {LABEL_PROJECT} from '../../src/deps/labels.js'
import {boundPorts} from '../../src/deps/ports.js'
import {containerTarget} from '../../src/deps/probe-target.js'
import {Prober} from '../../src/probes/index.js'
import {cleanupProject, engine, execIn, NO_ENGINE, REDIS_IMAGE, uniqueProject} from '../deps/helpers.js'
import {countingCommand} from './helpers.js'

vi.setConfig({testTimeout: 120_000, hookTimeout: 120_000})

const timing = {interval: 10, timeout: 5000, retries: 0, startPeriod: 0}
const project = uniqueProject('probe')

describe.skipIf(!engine)(`probes on a container target ${engine ? '' : NO_ENGINE}`, () => {
  const docker = engine as Docker
  let container: Docker.Container
  let ports = new Map<number, number>()
  const target = () =>
    containerTarget(
      container,
      () => ports,
      () => [],
    )

  beforeAll(async () => {
    container = await docker.createContainer({
      name: `${project}-redis`,
      Image: REDIS_IMAGE,
      Labels: {[LABEL_PROJECT]: project},
      ExposedPorts: {'6379/tcp': {}},
      HostConfig: {PortBindings: {'6379/tcp': [{HostIp: '127.0.0.1', HostPort: ''}]}},
    })
    await container.start()
    ports = boundPorts((await container.inspect()).NetworkSettings.Ports as never)
  })
  afterAll(() => cleanupProject(project))

  it('tcp: the container port written in the probe is reached at its published host port', async () => {
    const hostPort = ports.get(6379)
    expect(hostPort).toBeGreaterThan(0)
    expect(hostPort).not.toBe(6379)
    const p = new Prober({tcp: {host: '127.0.0.1', port: 6379}, ...timing}, target())
    await p.waitReady({signal: new AbortController().signal, startedAt: Date.now(), timeoutMs: 30_000})
    const unpublished = new Prober({tcp: {host: '127.0.0.1', port: 1}, ...timing}, target())
    expect(await unpublished.attempt(new AbortController().signal)).toBe('127.0.0.1:1: ECONNREFUSED')
  })

  it('exec: runs inside the container; a failure gives its exit code and last line', async () => {
    const ping = new Prober({exec: {command: ['redis-cli', 'ping']}, ...timing}, target())
    await ping.waitReady({signal: new AbortController().signal, startedAt: Date.now(), timeoutMs: 30_000})
    const fails = new Prober({exec: {command: ['sh', '-c', 'echo nope >&2; exit 2']}, ...timing}, target())
    expect(await fails.attempt(new AbortController().signal)).toBe('`sh -c echo nope >&2; exit 2` exited 2: nope')
    const slow = new Prober({exec: {command: ['sleep', '5']}, ...timing, timeout: 300}, target())
    expect(await slow.attempt(new AbortController().signal)).toBe('`sleep 5` timed out after 300ms')
  })

  it('retries 3: passing on the 3rd attempt is ready; failing the 3rd gives up there (no 4th attempt)', async () => {
    const run = (passAt: number, file: string) => {
      const reasons: string[] = []
      const p = new Prober({exec: {command: countingCommand(passAt, file)}, ...timing, retries: 3}, target())
      const done = p.waitReady({
        signal: new AbortController().signal,
        startedAt: Date.now(),
        timeoutMs: 60_000,
        onWaiting: (r) => reasons.push(r),
      })
      return {done, reasons}
    }
    await run(3, '/tmp/pass-at-3').done
    expect((await execIn(docker, container.id, ['cat', '/tmp/pass-at-3'])).output.trim()).toBe('3')
    const never = run(4, '/tmp/pass-at-4')
    await expect(never.done).rejects.toThrow(
      /not ready: 3 failed attempts in a row \(retries: 3; .*\): .*exited 1: run 3/,
    )
    expect(never.reasons).toHaveLength(3)
    expect((await execIn(docker, container.id, ['cat', '/tmp/pass-at-4'])).output.trim()).toBe('3')
  })
})
