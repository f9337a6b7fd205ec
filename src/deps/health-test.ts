/**
 * A container's health check, run by naaccord itself while the container is starting. Engines run it every
 * `interval` (podman here: every second during the start period; Docker before 25 ignores `start_interval`), so a
 * database ready after 2.1 s was seen healthy at 3–4 s. Running the same test in the container (exec, as the
 * engine does) knows it as soon as it is true. Only CMD and CMD-SHELL tests can be run.
 *
 * An exec is not free (with podman each one costs ~150 ms of engine CPU, which slowed a database's first start
 * by seconds when run every 250 ms), so the test is run only once the container's published port accepts a
 * connection: with podman, which has no userland proxy, that means its server listens.
 */
import type Docker from 'dockerode'
import {tcpConnect} from '../util/ports.js'
import {sleep} from '../util/sleep.js'
import {execInContainer} from './probe-target.js'

/** The argv of a health check test (`["CMD", …]` or `["CMD-SHELL", "…"]`), or undefined when it has none. */
export function healthTestCommand(test: readonly string[] | undefined): string[] | undefined {
  if (!test || test.length < 2) return undefined
  if (test[0] === 'CMD') return test.slice(1)
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test[1]]
  return undefined
}

/** Runs the test once in the container: whether it passed. */
export async function runHealthTest(
  container: Docker.Container,
  command: string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  return (await execInContainer(container, command, timeoutMs, signal)).exitCode === 0
}

/** Whether 127.0.0.1:port accepts a TCP connection within timeoutMs. */
export async function portAccepts(port: number, timeoutMs = 200): Promise<boolean> {
  return (await tcpConnect('127.0.0.1', port, timeoutMs)).ok
}

/**
 * For a port that has just refused: resolves once 127.0.0.1:port accepts a connection or after withinMs, whichever
 * is first, trying every 25 ms (the first try 25 ms from now, not again at once).
 */
export async function waitForPort(port: number, withinMs: number, signal?: AbortSignal): Promise<boolean> {
  const end = Date.now() + withinMs
  while (!signal?.aborted && Date.now() < end) {
    await sleep(Math.min(25, end - Date.now()), signal)
    if (await portAccepts(port, Math.max(1, Math.min(200, end - Date.now())))) return true
  }
  return false
}
