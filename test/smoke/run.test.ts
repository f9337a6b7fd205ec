/**
 * The suite against the real built-in pair (in this process, on free ports), and against deliberately broken pairs:
 * services down, a depot-style slow broken health, mismatched keys, a web that spools uploads to its temp folder,
 * a services that flips a byte, a slow services, and a run interrupted mid-upload.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {selectChecks} from '../../src/smoke/checks/index.js'
import {StorageClient} from '../../src/smoke/client.js'
import {type RunOptions, runChecks} from '../../src/smoke/runner.js'
import {WebWatcher} from '../../src/smoke/watch.js'
import {freePort} from '../helpers/index.js'
import {type BuiltinPair, KEY, startBuiltinPair} from './fixtures/pair.js'
import {startPermissiveServices} from './fixtures/permissive.js'
import {type RunningProxy, startProxy} from './fixtures/proxy.js'

const client = (role: 'web' | 'services', url: string, apiKey = KEY) => new StorageClient({role, baseUrl: url, apiKey})

function run(pair: BuiltinPair, extra: Partial<RunOptions> & {only?: string[]}) {
  const {only, ...rest} = extra
  return runChecks({
    checks: selectChecks(only),
    web: client('web', pair.web.url),
    services: client('services', pair.services.url),
    prefixRoot: 'naaccord-smoke',
    size: 4 * 1024 * 1024,
    timeoutMs: 10_000,
    storageRoot: pair.storageRoot,
    watcher: new WebWatcher([pair.webTmp]),
    ...rest,
  })
}

const byName = (report: Awaited<ReturnType<typeof runChecks>>, name: string) => {
  const r = report.results.find((x) => x.name === name)
  if (!r) throw new Error(`no result for ${name}`)
  return r
}

/** Files left under uploads/naaccord-smoke/ (every run's prefix lives there; empty folders may stay). */
function leftovers(pair: BuiltinPair): string[] {
  const dir = path.join(pair.storageRoot, 'uploads', 'naaccord-smoke')
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => !e.isDirectory())
    .map((e) => path.join(e.parentPath, e.name))
}

describe('against the built-in pair', () => {
  let pair: BuiltinPair
  beforeAll(async () => {
    pair = await startBuiltinPair()
  })
  afterAll(() => pair?.close())

  it('passes every check and removes its prefix', async () => {
    const report = await run(pair, {})
    const failed = report.results.filter((r) => r.status === 'fail')
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([])
    expect(report.results.map((r) => r.name)).toEqual(selectChecks().map((c) => c.name))
    expect(byName(report, 'legacy-header').status).toBe('info')
    expect(byName(report, 'legacy-header').detail).toContain('accepted (200)')
    expect(byName(report, 'large-upload').metrics?.uploadMBps).toBeGreaterThan(0)
    expect(byName(report, 'path-safety').detail).toMatch(/\d+ hostile paths/)
    expect(report.ok).toBe(true)
    expect(report.cleanup).toMatchObject({ok: true, via: 'services'})
    expect(report.prefix).toMatch(/^naaccord-smoke\/\d{8}T\d{6}-[0-9a-f]{8}$/)
    expect(leftovers(pair)).toEqual([])
  })

  it('is interrupted mid-upload and still removes its prefix', async () => {
    const controller = new AbortController()
    const report = await run(pair, {
      // chunked leaves its file for the cleanup to remove.
      only: ['chunked', 'large-upload', 'path-safety'],
      size: 512 * 1024 * 1024,
      signal: controller.signal,
      // Abort soon after chunked is done: the large upload is then under way.
      onResult: (r) => {
        if (r.name === 'chunked') setTimeout(() => controller.abort(), 150)
      },
    })
    expect(report.interrupted).toBe(true)
    expect(report.ok).toBe(false)
    expect(byName(report, 'large-upload')).toMatchObject({status: 'fail', detail: 'interrupted'})
    expect(report.results.map((r) => r.name)).not.toContain('path-safety')
    expect(report.cleanup.ok).toBe(true)
    expect(report.cleanup.deleted).toBeGreaterThanOrEqual(1)
    // The built-in services drops a half-received upload; either way nothing of the run remains.
    expect(leftovers(pair)).toEqual([])
  })
})

describe("against a depot-like pair (the contract's depot behaviours, web spooling each upload)", () => {
  let pair: BuiltinPair
  const proxies: RunningProxy[] = []
  beforeAll(async () => {
    pair = await startBuiltinPair()
    proxies.push(
      await startProxy(pair.services.url, {depotStyle: true, wrongMetaSha: true}),
      await startProxy(pair.web.url, {
        depotStyle: true,
        doubleWrapMetadata: true,
        octetStreamDownloads: true,
        // Far slower than the upload (10×), never stalled.
        slowDownloads: {factor: 10, minMs: 200},
        // Django: bodies over 2.5 MiB spooled during the request; still open a while after the answer is sent.
        spoolDir: pair.webTmp,
        spoolOverBytes: 2.5 * 1024 * 1024,
        spoolLingerMs: 300,
      }),
    )
  })
  afterAll(async () => {
    for (const p of proxies) await p.close()
    await pair?.close()
  })

  it('passes, listing what it saw as depot findings: HTML 403s, 500 for hostile paths, the seed header refused', async () => {
    const report = await run(pair, {services: client('services', proxies[0].url), web: client('web', proxies[1].url)})
    const failed = report.results.filter((r) => r.status === 'fail')
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([])
    expect(byName(report, 'legacy-header').detail).toContain('refused (403), as the depot does')
    expect(report.ok).toBe(true)
    const findings = Object.fromEntries(report.findings.map((f) => [f.id, f]))
    expect(Object.keys(findings).sort()).toEqual([
      'meta-sha256-wrong',
      'metadata-double-wrapped',
      'slow-download',
      'traversal-500',
      'web-download-octet-stream',
      'web-transient-spooling',
    ])
    expect(findings['metadata-double-wrapped']).toMatchObject({severity: 'INFO', checks: ['web-roundtrip']})
    expect(findings['web-download-octet-stream']).toMatchObject({severity: 'INFO'})
    expect(findings['meta-sha256-wrong']).toMatchObject({severity: 'WARN', checks: ['services-roundtrip']})
    expect(findings['traversal-500']).toMatchObject({severity: 'INFO', checks: ['path-safety']})
    expect(findings['slow-download'].severity).toBe('WARN')
    expect(findings['slow-download'].detail).toMatch(/ran at [\d.]+ MB\/s, its upload at [\d.]+ MB\/s/)
    // The 4 MiB large upload and the 3 MiB spooling upload: two files, removed after their requests.
    expect(findings['web-transient-spooling'].severity).toBe('WARN')
    expect(findings['web-transient-spooling'].detail).toMatch(
      new RegExp(`^2 files created and removed in ${pair.webTmp} during requests \\(peak \\d+ bytes`),
    )
    expect(byName(report, 'web-stores-nothing').status).toBe('pass')
    expect(readdirSync(pair.webTmp)).toEqual([])
  })
})

describe('against broken pairs', () => {
  const closers: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
  })
  async function pairWith(opts: Parameters<typeof startBuiltinPair>[0] = {}) {
    const pair = await startBuiltinPair(opts)
    closers.push(() => pair.close())
    return pair
  }
  async function proxy(target: string, behaviour: Parameters<typeof startProxy>[1]): Promise<RunningProxy> {
    const p = await startProxy(target, behaviour)
    closers.push(() => p.close())
    return p
  }

  it('services down: web-health fails at once with what web answered', async () => {
    // The built-in web answers at once (test_passed:false with the reason); the depot's would after ~18 s.
    const dead = await freePort()
    const pair = await pairWith({servicesUrl: () => `http://127.0.0.1:${dead}`})
    const report = await run(pair, {only: ['web-health', 'web-roundtrip']})
    const health = byName(report, 'web-health')
    expect(health.status).toBe('fail')
    // Failed on the refused connection, not by running out its own time.
    expect(health.detail ?? '').not.toMatch(/timed out/)
    expect(health.expected).toBe('200 with test_passed: true')
    expect(health.actual).toMatch(/"test_passed":false.*ECONNREFUSED|^502/)
    expect(byName(report, 'web-roundtrip').status).toBe('fail')
    expect(report.ok).toBe(false)
  })

  it("services down behind a depot-style web (200, test_passed:false, late): fails within the check's own limit", async () => {
    const pair = await pairWith()
    const slowWeb = await proxy(pair.web.url, {brokenHealthAfterMs: 60_000})
    const report = await run(pair, {only: ['web-health'], web: client('web', slowWeb.url)})
    const health = byName(report, 'web-health')
    expect(health.status).toBe('fail')
    expect(health.detail).toMatch(/^timed out after 5\.00s: web did not confirm/)
    // (The late answer comes after 60 s: a check that waited for it would run past the test's own timeout.)

    const lying = await proxy(pair.web.url, {brokenHealthAfterMs: 10})
    const fast = await run(pair, {only: ['web-health'], web: client('web', lying.url)})
    expect(byName(fast, 'web-health')).toMatchObject({status: 'fail', expected: '200 with test_passed: true'})
    expect(byName(fast, 'web-health').actual).toContain('"test_passed":false')
  }, 20_000)

  it('mismatched keys between web and services: both health checks fail', async () => {
    const pair = await pairWith({servicesKey: 'another-key-fedcba9876543210'})
    const report = await run(pair, {only: ['services-health', 'web-health', 'web-roundtrip']})
    expect(byName(report, 'services-health')).toMatchObject({status: 'fail', expected: 'status 200'})
    expect(byName(report, 'services-health').actual).toMatch(/^403/)
    expect(byName(report, 'web-health').status).toBe('fail')
    expect(byName(report, 'web-roundtrip').status).toBe('fail')
  })

  it('a web that spools uploads while it serves them: a WARN finding by default, a failure with strict', async () => {
    const pair = await pairWith()
    // The spool file stays open a while after the answer (web still busy): not a leftover, it is waited for.
    const spooling = await proxy(pair.web.url, {spoolDir: pair.webTmp, spoolLingerMs: 400})
    const only = ['web-roundtrip', 'web-stores-nothing']
    const report = await run(pair, {only, web: client('web', spooling.url)})
    // The proxy relays correctly: the round trip passes; only the watch sees the spooled bodies.
    expect(byName(report, 'web-roundtrip').status).toBe('pass')
    const watch = byName(report, 'web-stores-nothing')
    expect(watch.status, watch.detail).toBe('pass')
    expect(watch.detail).toContain(`created and removed in ${pair.webTmp} during requests`)
    expect(report.findings.map((f) => [f.id, f.severity])).toEqual([['web-transient-spooling', 'WARN']])
    expect(readdirSync(pair.webTmp)).toEqual([])

    const strict = await run(pair, {only, web: client('web', spooling.url), strict: true})
    const s = byName(strict, 'web-stores-nothing')
    expect(s.status).toBe('fail')
    expect(s.detail).toMatch(
      /^--strict: web wrote into its own folders during requests: \d+ files? created and removed/,
    )
    expect(s.detail).toContain(pair.webTmp)
    expect(strict.ok).toBe(false)
  })

  it('a web that leaves one spool file behind fails, naming the file and its size', async () => {
    const pair = await pairWith()
    const leaky = await proxy(pair.web.url, {spoolDir: pair.webTmp, spoolOverBytes: 2.5 * 1024 * 1024, keepSpools: 1})
    const report = await run(pair, {only: ['web-roundtrip', 'web-stores-nothing'], web: client('web', leaky.url)})
    const left = readdirSync(pair.webTmp)
    expect(left).toHaveLength(1)
    const file = path.join(pair.webTmp, left[0])
    const watch = byName(report, 'web-stores-nothing')
    expect(watch.status).toBe('fail')
    expect(watch.detail).toBe(
      `web left 1 file in its own folders after every request ended: ${file} (${statSync(file).size} bytes)`,
    )
    expect(report.ok).toBe(false)
  })

  it('a download that stalls half way fails as a stall, not on a fixed rate', async () => {
    const pair = await pairWith()
    const stalling = await proxy(pair.web.url, {stallDownloadsOver: 1024 * 1024})
    const report = await run(pair, {only: ['large-upload'], web: client('web', stalling.url), timeoutMs: 1000})
    const r = byName(report, 'large-upload')
    expect(r.status).toBe('fail')
    expect(r.detail).toMatch(/^download stalled: no byte moved for [\d.]+ s after \d+ bytes$/)
    expect(r.expected).toBe('bytes moving at least every 1.0 s')
    expect(report.cleanup.ok).toBe(true)
  })

  it('a services that corrupts one byte fails the round trip with both hashes', async () => {
    const pair = await pairWith()
    const corrupt = await proxy(pair.services.url, {corruptDownloads: true})
    const report = await run(pair, {only: ['services-roundtrip'], services: client('services', corrupt.url)})
    const r = byName(report, 'services-roundtrip')
    expect(r.status).toBe('fail')
    expect(r.detail).toBe('download: the bytes differ from the upload')
    expect(r.expected).toMatch(/^204923 bytes, sha256 [0-9a-f]{64}$/)
    expect(r.actual).toMatch(/^204923 bytes, sha256 [0-9a-f]{64}$/)
    expect(r.actual).not.toBe(r.expected)
    expect(report.cleanup.ok).toBe(true)
  })

  it('a slow services: each check reports its own timeout, and cleanup still runs', async () => {
    const pair = await pairWith()
    // Answers only after 60 s: a check that waited for them would run past the test's own timeout.
    const slow = await proxy(pair.services.url, {delayMs: 60_000, delayRoutes: ['health', 'upload']})
    const report = await run(pair, {
      only: ['services-health', 'services-roundtrip', 'cleanup-dry-run'],
      services: client('services', slow.url),
      timeoutMs: 400,
    })
    for (const name of ['services-health', 'services-roundtrip']) {
      const r = byName(report, name)
      expect(r.status, name).toBe('fail')
      expect(r.detail, name).toBe('timed out after 400ms')
    }
    expect(byName(report, 'cleanup-dry-run').status).toBe('pass')
    expect(report.cleanup.ok).toBe(true)
  })

  it('a services without path confinement fails path safety, naming what it accepted and where files landed', async () => {
    const pair = await pairWith()
    const permissive = await startPermissiveServices(pair.storageRoot, pair.dir)
    closers.push(permissive.close)
    const services = client('services', permissive.url)
    const report = await run(pair, {only: ['path-safety'], services})
    const r = byName(report, 'path-safety')
    expect(r.status).toBe('fail')
    // `../../name` from uploads/ lands beside the storage root: still inside the test's temp folder.
    expect(r.detail).toMatch(/^a hostile path wrote outside its disk: .*naaccord-escape-/)
    expect(r.actual).toContain(path.join(pair.dir, `naaccord-escape-${report.runId}.txt`))

    // Without a local storage root to look at, the answers alone fail it.
    const remote = await run(pair, {only: ['path-safety'], services, storageRoot: undefined})
    const rr = byName(remote, 'path-safety')
    expect(rr.status).toBe('fail')
    expect(rr.detail).toMatch(/^\d+ of \d+ hostile requests were accepted$/)
    expect(rr.actual).toContain('upload "../naaccord-escape-')
  })
})
