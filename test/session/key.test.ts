/**
 * The key of a running session (issue #13): a session started with INTERNAL_API_KEY set, tested from a shell
 * without it, is tested with the session's key (from its control socket), never printed whole; the caller's
 * own, different key is named in one line, masked.
 */

import {statSync} from 'node:fs'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import {getApiKey, readSession} from '../../src/session/client.js'
import {builtinConfig, freePort, runCli, tempProject} from '../helpers/index.js'

const SESSION_KEY = 'e-key-from-the-session-env-0123'
const CONFIG_DEFAULT = 'dev-default-key-0123456789'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function cli(args: string[], cwd: string, env: Record<string, string | undefined>) {
  const r = await runCli(args, {cwd, env: {NO_COLOR: '1', ...env}})
  return {exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all)}
}

it("test-streaming against a session started with another env uses the session's key, masked", async () => {
  const yaml = builtinConfig({webPort: await freePort(), servicesPort: await freePort()}).replace(
    /^apiKey: .*$/m,
    `apiKey: \${INTERNAL_API_KEY:-${CONFIG_DEFAULT}}`,
  )
  const t = tempProject(yaml)
  cleanups.push(async () => {
    await cli(['stop', '--timeout', '500ms'], t.dir, {})
    t.cleanup()
  })
  const started = await cli(['start', '--detach'], t.dir, {INTERNAL_API_KEY: SESSION_KEY})
  expect(started.exitCode, started.all).toBe(0)

  // The socket hands the key out whole, to its owner only.
  const info = await readSession(path.join(t.dir, '.naaccord'))
  expect(await getApiKey(info.socketPath)).toEqual({apiKey: SESSION_KEY})
  expect(statSync(info.socketPath).mode & 0o777).toBe(0o600)

  // A shell without INTERNAL_API_KEY: the config alone would resolve the default key, which the servers refuse.
  const res = await cli(['test-streaming', '--only', 'services-health', '--only', 'web-health'], t.dir, {
    INTERNAL_API_KEY: undefined,
  })
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('key e-ke… (session)')
  expect(res.stderr.trim().split('\n')).toContain(
    "note: your environment resolves key dev-… (config); testing with the session's e-ke…",
  )
  expect(res.all).not.toContain(SESSION_KEY)
  expect(res.all).not.toContain(CONFIG_DEFAULT)

  // The same key in the caller's shell: no note. A flag still wins over the session's key.
  const same = await cli(['test-streaming', '--only', 'services-health'], t.dir, {INTERNAL_API_KEY: SESSION_KEY})
  expect(same.exitCode, same.all).toBe(0)
  expect(same.stderr).not.toContain('note:')
  const flag = await cli(['test-streaming', '--only', 'services-health', '--api-key', CONFIG_DEFAULT], t.dir, {
    INTERNAL_API_KEY: undefined,
  })
  expect(flag.exitCode).toBe(1)
  expect(flag.stdout).toContain('key dev-… (--api-key)')
})
