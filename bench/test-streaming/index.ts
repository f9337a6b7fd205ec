/**
 * What `naaccord test-streaming` costs, measured side by side in one run against the built-in pair (spawned as
 * `naaccord serve services|web` child processes on free ports, so client and servers do not share an event loop):
 *   (a) the client's byte source alone: the AES-CTR generator hashed with SHA-256 (the ceiling of any upload),
 *   (b) the large-upload check's transfer straight to services (StorageClient, streamed multipart),
 *   (c) the same through web's relay (the check as it runs),
 *   (d) the whole suite's wall time with the default 64 MiB large upload.
 * Prints MB/s and the ratios c/b (relay cost) and b/a (server+network cost vs. the source). Asserts nothing.
 *
 *   npx tsx bench/test-streaming/index.ts              # 256MiB transfers
 *   npx tsx bench/test-streaming/index.ts --size 1GiB
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {selectChecks} from '../../src/smoke/checks/index.js'
import {StorageClient} from '../../src/smoke/client.js'
import {generatedStream, HashingStream} from '../../src/smoke/generate.js'
import {multipartBody} from '../../src/smoke/multipart.js'
import {runChecks} from '../../src/smoke/runner.js'
import {parseSize} from '../../src/util/duration.js'
import {freePort} from '../../src/util/ports.js'

const repo = path.resolve(import.meta.dirname, '..', '..')
const KEY = 'bench-test-streaming-key-0123456789'
const sizeArg = process.argv.indexOf('--size')
const SIZE = parseSize(sizeArg > 0 ? process.argv[sizeArg + 1] : '256MiB') ?? 256 * 1024 * 1024

async function serve(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(repo, 'bin', 'run.js'), 'serve', ...args], {
    env: {...process.env, ...env, INTERNAL_API_KEY: KEY},
    stdio: 'ignore',
  })
  const port = args[args.indexOf('--port') + 1]
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/internal/storage/health`, {headers: {'X-API-Key': KEY}})
      .then((r) => r.ok)
      .catch(() => false)
    if (ok) return child
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`serve ${args[0]} did not come up`)
}

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000)

async function sourceOnly(): Promise<number> {
  const started = performance.now()
  const hasher = new HashingStream()
  await pipeline(generatedStream(SIZE, 'bench'), hasher, new Writable({write: (_c, _e, done) => done()}))
  hasher.digest()
  return mbps(SIZE, performance.now() - started)
}

async function upload(client: StorageClient, name: string): Promise<number> {
  const source = new HashingStream()
  generatedStream(SIZE, name).pipe(source)
  const body = multipartBody(
    [
      ['path', `naaccord-smoke/bench/${name}.bin`],
      ['disk', 'uploads'],
    ],
    {field: 'file', filename: 'file', contentType: 'application/octet-stream', size: SIZE, data: source},
  )
  const res = await client.request('upload', {method: 'POST', multipart: body})
  if (res.status !== 200) throw new Error(`${name}: ${res.status} ${res.text}`)
  return mbps(SIZE, res.ms)
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-bench-smoke-'))
const children: ChildProcess[] = []
try {
  const [sp, wp] = [await freePort(), await freePort()]
  children.push(await serve(['services', '--port', String(sp), '--storage', path.join(dir, 'ws')], {}))
  children.push(await serve(['web', '--port', String(wp)], {SERVICES_URL: `http://127.0.0.1:${sp}`}))
  const services = new StorageClient({role: 'services', baseUrl: `http://127.0.0.1:${sp}`, apiKey: KEY})
  const web = new StorageClient({role: 'web', baseUrl: `http://127.0.0.1:${wp}`, apiKey: KEY})

  const a = await sourceOnly()
  const b = await upload(services, 'direct')
  const c = await upload(web, 'relay')
  const started = performance.now()
  const report = await runChecks({
    checks: selectChecks(),
    web,
    services,
    prefixRoot: 'naaccord-smoke',
    size: 64 * 1024 * 1024,
    timeoutMs: 30_000,
  })
  const suiteMs = performance.now() - started
  await services.request('delete_prefix', {method: 'POST', json: {prefix: 'naaccord-smoke/bench/'}})

  const mib = (SIZE / 1024 / 1024).toFixed(0)
  console.log(`transfer size ${mib} MiB (${os.cpus().length} CPUs)`)
  console.log(`(a) generator + sha256 alone        ${a.toFixed(0).padStart(6)} MB/s`)
  console.log(`(b) upload straight to services     ${b.toFixed(0).padStart(6)} MB/s   b/a = ${(b / a).toFixed(2)}`)
  console.log(`(c) upload through web's relay      ${c.toFixed(0).padStart(6)} MB/s   c/b = ${(c / b).toFixed(2)}`)
  const failed = report.results.filter((r) => r.status === 'fail').map((r) => r.name)
  console.log(
    `(d) whole suite, 64 MiB large upload ${(suiteMs / 1000).toFixed(2).padStart(6)} s    (${report.results.length} checks, failed: ${failed.join(', ') || 'none'})`,
  )
} finally {
  const exits = children.map((child) =>
    child.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve())),
  )
  for (const child of children) child.kill('SIGTERM')
  await Promise.all(exits)
  rmSync(dir, {recursive: true, force: true})
}
