/** Shared test helpers: free ports, throw-away project folders, running the built CLI. */
import type {ChildProcess} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {execa, type Options} from 'execa'

export const repoRoot = path.resolve(import.meta.dirname, '..', '..')
export const cliBin = path.join(repoRoot, 'bin', 'run.js')

/** A TCP port that was free a moment ago on 127.0.0.1: the one helper the source uses too. */
export {freePort} from '../../src/util/ports.js'

/** A temp folder (short path: Unix socket paths are limited), removed by the returned cleanup. */
export function tempDir(prefix = 'nac-'): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** A temp project folder holding naaccord.config.yaml with the given text. */
export function tempProject(
  configYaml: string,
  files: Record<string, string> = {},
): {dir: string; cleanup: () => void} {
  const t = tempDir()
  writeFileSync(path.join(t.dir, 'naaccord.config.yaml'), configYaml)
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(t.dir, name), content)
  return t
}

/** The built-in pair's config on the given ports, for end-to-end tests. */
export function builtinConfig(opts: {webPort: number; servicesPort: number; project?: string; key?: string}): string {
  return `project: ${opts.project ?? 'nac-test'}
apiKey: ${opts.key ?? 'test-key-0123456789abcdef'}
storage: storage/workspace
servers:
  services:
    role: services
    command: naaccord
    args: [serve, services, --host, "{host}", --port, "{port}", --storage, "{storage}"]
    port: ${opts.servicesPort}
    ready:
      http: {url: "{url}/internal/storage/health", headers: {X-API-Key: "{apiKey}"}, json: {test_passed: true}}
      interval: 50ms
  web:
    role: web
    command: naaccord
    args: [serve, web, --host, "{host}", --port, "{port}"]
    port: ${opts.webPort}
    dependsOn: {services: ready}
    env: {FILE_UPLOAD_TEMP_DIR: storage/web-tmp}
    watch: [storage/web-tmp]
    ready:
      http: {url: "{url}/internal/storage/health", headers: {X-API-Key: "{apiKey}"}, json: {test_passed: true}}
      interval: 50ms
`
}

/** Runs the built CLI (bin/run.js) and never throws on a non-zero exit: assert on the result. */
export function runCli(args: string[], options: Options = {}) {
  return execa(process.execPath, [cliBin, ...args], {reject: false, all: true, env: {NO_COLOR: '1'}, ...options})
}

/**
 * Runs `fn` with every setTimeout it makes tracked until the timer fires or is cleared; returns fn's result and
 * the timers still pending (and keeping the process alive) when it returned.
 */
export async function pendingTimersAfter<T>(fn: () => Promise<T>): Promise<{result: T; pending: NodeJS.Timeout[]}> {
  const live = new Set<NodeJS.Timeout>()
  const {setTimeout: set, clearTimeout: clear} = globalThis
  globalThis.setTimeout = ((callback: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer: NodeJS.Timeout = set(() => {
      live.delete(timer)
      callback(...args)
    }, ms)
    live.add(timer)
    return timer
  }) as typeof setTimeout
  globalThis.clearTimeout = ((timer: NodeJS.Timeout) => {
    live.delete(timer)
    clear(timer)
  }) as typeof clearTimeout
  try {
    const result = await fn()
    return {result, pending: [...live].filter((timer) => timer.hasRef())}
  } finally {
    globalThis.setTimeout = set
    globalThis.clearTimeout = clear
  }
}

/** Writes an executable (mode 0755 unless told) shell script at dir/rel, its folders made; returns its path. */
export function executable(dir: string, rel: string, mode = 0o755, body = '#!/bin/sh\nexit 0\n'): string {
  const file = path.join(dir, rel)
  mkdirSync(path.dirname(file), {recursive: true})
  writeFileSync(file, body)
  chmodSync(file, mode)
  return file
}

/**
 * Process groups a test starts (each child leading its own): `track` them, and `reap()` (in afterEach) SIGKILLs
 * each group and waits until it is gone.
 */
export function processGroups(isGroupAlive: (pgid: number) => boolean) {
  const groups: ChildProcess[] = []
  return {
    track<T extends ChildProcess>(child: T): T {
      groups.push(child)
      return child
    },
    async reap(): Promise<void> {
      const {expect, vi} = await import('vitest')
      for (const child of groups.splice(0)) {
        try {
          process.kill(-(child.pid as number), 'SIGKILL')
        } catch {}
        await vi.waitFor(() => expect(isGroupAlive(child.pid as number)).toBe(false), {timeout: 30_000, interval: 50})
      }
    },
  }
}
