/**
 * bench/session: what the supervisor costs. Run with `npx tsx bench/session/index.ts` after a build.
 *
 * 1. start-to-ready of the built-in pair through `naaccord start --detach`, against launching the same two
 *    commands directly and polling their health endpoints (the floor), side by side, median of N runs.
 * 2. stop: from `naaccord stop` to both ports free.
 * 3. log flood: 4 processes × 250,000 lines of 100 bytes; every line must reach the log files; supervisor CPU
 *    per million lines and peak RSS, against `concurrently` on the same flood (orchestrator process only).
 * 4. command start-ups: `node -e 0`, `naaccord status`, `logs`, `restart web --no-wait` and `restart web` (until
 *    ready again; wall) and `naaccord stop` → ports free, side by side.
 * 5. foreground: `start --no-dashboard` with stdout to a file vs concurrently, the tool's own CPU: the flood,
 *    the flood with --json, and a paced 4 × 50,000 lines/s for 5 s.
 * 6. ready: start-to-ready of the pair launched directly, by concurrently, by `naaccord start` in the foreground
 *    and with --detach, side by side; each one's stop → ports free.
 * Figures are printed, never asserted.
 */
import {spawn} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {freePort} from '../../src/util/ports.js'

const repo = path.resolve(import.meta.dirname, '..', '..')
const bin = path.join(repo, 'bin', 'run.js')
const RUNS = Number(process.env.RUNS ?? 3)
const KEY = 'bench-key-0123456789abcdef'

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{code: number | null; out: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {cwd, env: {...process.env, NO_COLOR: '1', ...env}})
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    child.on('close', (code) => resolve({code, out}))
  })
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      {host: '127.0.0.1', port, path: '/internal/storage/health', headers: {'X-API-Key': KEY}},
      (res) => {
        let body = ''
        res.on('data', (d) => {
          body += d
        })
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"test_passed":true')))
      },
    )
    req.on('error', () => resolve(false))
  })
}

async function until(check: () => Promise<boolean> | boolean, intervalMs = 10): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, intervalMs))
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen({port, host: '127.0.0.1', exclusive: true}, () => s.close(() => resolve(true)))
  })
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function pairConfig(webPort: number, servicesPort: number): string {
  return `project: bench-session
apiKey: ${KEY}
servers:
  services:
    role: services
    command: naaccord
    args: [serve, services, --host, "{host}", --port, "{port}", --storage, "{storage}"]
    port: ${servicesPort}
    ready:
      http: {url: "{url}/internal/storage/health", headers: {X-API-Key: "{apiKey}"}, json: {test_passed: true}}
      interval: 10ms
  web:
    role: web
    command: naaccord
    args: [serve, web, --host, "{host}", --port, "{port}"]
    port: ${webPort}
    dependsOn: {services: ready}
    ready:
      http: {url: "{url}/internal/storage/health", headers: {X-API-Key: "{apiKey}"}, json: {test_passed: true}}
      interval: 10ms
`
}

/**
 * The floor: the same two commands launched directly, services first, each polled until healthy. Also returns the
 * servers' own shutdown: SIGTERM to both → both ports free (what `naaccord stop` cannot do faster).
 */
async function directPair(
  dir: string,
  webPort: number,
  servicesPort: number,
): Promise<{readyMs: number; shutdownMs: number}> {
  const began = performance.now()
  const env = {...process.env, INTERNAL_API_KEY: KEY, SERVER_ROLE: 'services'}
  const services = spawn(
    process.execPath,
    [
      bin,
      'serve',
      'services',
      '--host',
      '127.0.0.1',
      '--port',
      String(servicesPort),
      '--storage',
      path.join(dir, 'storage'),
    ],
    {env, stdio: 'ignore', detached: true},
  )
  await until(() => healthy(servicesPort))
  const web = spawn(process.execPath, [bin, 'serve', 'web', '--host', '127.0.0.1', '--port', String(webPort)], {
    env: {...env, SERVER_ROLE: 'web', SERVICES_URL: `http://127.0.0.1:${servicesPort}`},
    stdio: 'ignore',
    detached: true,
  })
  await until(() => healthy(webPort))
  const readyMs = performance.now() - began
  const killed = performance.now()
  for (const c of [web, services]) process.kill(-c.pid!, 'SIGTERM')
  await until(async () => (await portFree(webPort)) && (await portFree(servicesPort)), 5)
  return {readyMs, shutdownMs: performance.now() - killed}
}

async function startStop(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-bs-'))
  const [webPort, servicesPort] = [await freePort(), await freePort()]
  writeFileSync(path.join(dir, 'naaccord.config.yaml'), pairConfig(webPort, servicesPort))
  const floor: number[] = []
  const detach: number[] = []
  const stop: number[] = []
  for (let i = 0; i < RUNS; i++) {
    floor.push((await directPair(dir, webPort, servicesPort)).readyMs)
    const began = performance.now()
    const started = await run(['start', '--detach'], dir)
    detach.push(performance.now() - began)
    if (started.code !== 0) throw new Error(`start --detach failed:\n${started.out}`)
    const stopBegan = performance.now()
    const stopping = run(['stop'], dir)
    await until(async () => (await portFree(webPort)) && (await portFree(servicesPort)), 5)
    stop.push(performance.now() - stopBegan)
    await stopping
  }
  rmSync(dir, {recursive: true, force: true})
  const f = median(floor)
  const d = median(detach)
  console.log(`start-to-ready, built-in pair (median of ${RUNS}, load average ${os.loadavg()[0].toFixed(1)}):`)
  console.log(`  direct launch + polling (floor)  ${f.toFixed(0)} ms   [${floor.map((x) => x.toFixed(0)).join(', ')}]`)
  console.log(`  naaccord start --detach          ${d.toFixed(0)} ms   [${detach.map((x) => x.toFixed(0)).join(', ')}]`)
  console.log(
    `  overhead                         ${(d - f).toFixed(0)} ms = ${(((d - f) / f) * 100).toFixed(1)}% (targets: ≤ 10% and < 150 ms)`,
  )
  console.log(
    `stop: naaccord stop → both ports free: median ${median(stop).toFixed(0)} ms [${stop.map((x) => x.toFixed(0)).join(', ')}] (target < 1000 ms)`,
  )
}

const LINES = 250_000
const FLOOD_JS = `
const line = 'x'.repeat(99 - 12)
const block = []
let n = 0
function more() {
  while (n < ${LINES}) {
    const lines = []
    for (let i = 0; i < 1000 && n < ${LINES}; i++, n++) lines.push('flood ' + String(n).padStart(6, '0') + line.slice(0) + '\\n')
    if (!process.stdout.write(lines.join(''))) return process.stdout.once('drain', more)
  }
}
more()
`

/** utime+stime (ms) and VmHWM (peak RSS, MiB) of a pid, read while it runs. */
function sample(pid: number): {cpuMs: number; peakMiB: number} | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuMs = ((Number(f[11]) + Number(f[12])) / 100) * 1000
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return {cpuMs, peakMiB: Number(hwm?.[1] ?? 0) / 1024}
  } catch {
    return undefined
  }
}

function floodConfig(lines: boolean): string {
  const units = [1, 2, 3, 4].map((i) => `  flood${i}:\n    command: node ${lines ? 'flood.js' : '-e 0'}\n`).join('')
  return `project: bench-flood\nservers:\n${units}`
}

async function supervisorFlood(lines: boolean): Promise<{cpuMs: number; peakMiB: number; counted: number; ms: number}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-bf-'))
  writeFileSync(path.join(dir, 'naaccord.config.yaml'), floodConfig(lines))
  writeFileSync(path.join(dir, 'flood.js'), FLOOD_JS)
  const began = performance.now()
  const started = await run(['start', '--detach', '--json'], dir, {NAACCORD_LOG_MAX_MB: '1024'})
  if (started.code !== 0) throw new Error(`start --detach failed:\n${started.out}`)
  const pid = Number(/"supervisorPid":(\d+)/.exec(started.out)?.[1])
  let last = sample(pid)!
  // Done when every flood process has exited (state.json says so).
  await until(() => {
    last = sample(pid) ?? last
    try {
      const state = JSON.parse(readFileSync(path.join(dir, '.naaccord/state.json'), 'utf8')) as {
        units: {state: string}[]
      }
      return state.units.every((u) => u.state === 'exited')
    } catch {
      return false
    }
  }, 20)
  await new Promise((r) => setTimeout(r, 300))
  last = sample(pid) ?? last
  const ms = performance.now() - began
  await run(['stop'], dir)
  let counted = 0
  const logs = path.join(dir, '.naaccord/logs')
  for (const f of readdirSync(logs)) {
    if (!f.startsWith('flood')) continue
    const text = readFileSync(path.join(logs, f), 'latin1')
    for (let i = text.indexOf('flood '); i !== -1; i = text.indexOf('\nflood ', i + 1)) counted++
  }
  rmSync(dir, {recursive: true, force: true})
  return {...last, counted, ms}
}

async function concurrentlyFlood(script = FLOOD_JS): Promise<{cpuMs: number; peakMiB: number; ms: number}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-bc-'))
  writeFileSync(path.join(dir, 'flood.js'), script)
  const out = openSync(path.join(dir, 'out.log'), 'w')
  const began = performance.now()
  const child = spawn(
    process.execPath,
    [path.join(repo, 'node_modules/concurrently/dist/bin/concurrently.js'), ...[1, 2, 3, 4].map(() => 'node flood.js')],
    {cwd: dir, stdio: ['ignore', out, out]},
  )
  let last = {cpuMs: 0, peakMiB: 0}
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  await until(() => {
    const now = sample(child.pid!)
    // A zombie's status has no VmHWM: keep the largest figures seen while it ran.
    if (now) last = {cpuMs: Math.max(last.cpuMs, now.cpuMs), peakMiB: Math.max(last.peakMiB, now.peakMiB)}
    return exited
  }, 20)
  closeSync(out)
  const ms = performance.now() - began
  rmSync(dir, {recursive: true, force: true})
  return {...last, ms}
}

async function flood(): Promise<void> {
  const empty = await supervisorFlood(false)
  const sup = await supervisorFlood(true)
  const conc = await concurrentlyFlood()
  const total = 4 * LINES
  const supCpu = sup.cpuMs - empty.cpuMs
  console.log(
    `log flood: 4 × ${LINES.toLocaleString()} lines of 100 bytes (load average ${os.loadavg()[0].toFixed(1)}):`,
  )
  console.log(
    `  lines in the log files        ${sup.counted.toLocaleString()} of ${total.toLocaleString()}${sup.counted === total ? ' (every line)' : ' (LOST LINES)'}`,
  )
  console.log(
    `  supervisor CPU per 1M lines   ${((supCpu / total) * 1e6).toFixed(0)} ms (flood ${sup.cpuMs.toFixed(0)} ms − idle session ${empty.cpuMs.toFixed(0)} ms)`,
  )
  console.log(
    `  concurrently CPU per 1M lines ${((conc.cpuMs / total) * 1e6).toFixed(0)} ms  → supervisor/concurrently = ${(supCpu / conc.cpuMs).toFixed(2)}`,
  )
  console.log(
    `  peak RSS: supervisor ${sup.peakMiB.toFixed(0)} MiB (target < 150), concurrently ${conc.peakMiB.toFixed(0)} MiB`,
  )
  console.log(`  wall: supervisor ${sup.ms.toFixed(0)} ms, concurrently ${conc.ms.toFixed(0)} ms`)
}

/** Wall time of a command, ms. */
async function wall(cmd: string[], cwd: string): Promise<number> {
  const began = performance.now()
  await new Promise((resolve) => spawn(process.execPath, cmd, {cwd, stdio: 'ignore'}).on('close', resolve))
  return performance.now() - began
}

/** `node -e 0` beside `naaccord status`, `logs`, `restart` (a running session) and `naaccord stop` → both ports free. */
async function startups(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-bu-'))
  const [webPort, servicesPort] = [await freePort(), await freePort()]
  writeFileSync(path.join(dir, 'naaccord.config.yaml'), pairConfig(webPort, servicesPort))
  const nodeE: number[] = []
  const status: number[] = []
  const logs: number[] = []
  const restartNoWait: number[] = []
  const restart: number[] = []
  const stop: number[] = []
  const shutdown: number[] = []
  const stopExit: number[] = []
  for (let i = 0; i < RUNS; i++) {
    shutdown.push((await directPair(dir, webPort, servicesPort)).shutdownMs)
    const started = await run(['start', '--detach'], dir)
    if (started.code !== 0) throw new Error(`start --detach failed:\n${started.out}`)
    nodeE.push(await wall(['-e', '0'], dir))
    status.push(await wall([bin, 'status'], dir))
    logs.push(await wall([bin, 'logs'], dir))
    restartNoWait.push(await wall([bin, 'restart', 'web', '--no-wait'], dir))
    await until(() => healthy(webPort))
    restart.push(await wall([bin, 'restart', 'web'], dir))
    const began = performance.now()
    const stopping = run(['stop'], dir)
    await until(async () => (await portFree(webPort)) && (await portFree(servicesPort)), 5)
    stop.push(performance.now() - began)
    await stopping
    stopExit.push(performance.now() - began)
  }
  rmSync(dir, {recursive: true, force: true})
  const list = (xs: number[]) => `median ${median(xs).toFixed(0)} ms [${xs.map((x) => x.toFixed(0)).join(', ')}]`
  console.log(`command start-ups (median of ${RUNS}, load average ${os.loadavg()[0].toFixed(1)}):`)
  console.log(`  node -e 0                     ${list(nodeE)}`)
  console.log(
    `  naaccord status               ${list(status)}  → ${(median(status) / median(nodeE)).toFixed(2)} × node -e 0 (target ≤ 2)`,
  )
  const ratio = (xs: number[]) => `${(median(xs) / median(nodeE)).toFixed(2)} × node -e 0`
  console.log(`  naaccord logs (200 lines/unit) ${list(logs)}  → ${ratio(logs)}`)
  console.log(`  naaccord restart web --no-wait ${list(restartNoWait)}  → ${ratio(restartNoWait)}`)
  console.log(`  naaccord restart web (ready)   ${list(restart)}  → ${ratio(restart)} (includes web's own start)`)
  const floor = median(nodeE) + median(shutdown)
  console.log(`  servers' own shutdown (SIGTERM → ports free, launched directly) ${list(shutdown)}`)
  console.log(
    `  naaccord stop → ports free    ${list(stop)}  → ${(median(stop) / floor).toFixed(2)} × (node -e 0 + the servers' shutdown) (target ≤ 1.5)`,
  )
  console.log(`  naaccord stop, until it exits ${list(stopExit)}`)
}

/** `naaccord start --no-dashboard` on the flood with stdout to a file: the CLI's own CPU, and every line there. */
async function foregroundFlood(
  script = FLOOD_JS,
  flags: string[] = [],
): Promise<{cpuMs: number; ms: number; lines: number}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-bg-'))
  writeFileSync(path.join(dir, 'naaccord.config.yaml'), floodConfig(true))
  writeFileSync(path.join(dir, 'flood.js'), script)
  const outFile = path.join(dir, 'out.log')
  const out = openSync(outFile, 'w')
  const began = performance.now()
  const child = spawn(process.execPath, [bin, 'start', '--no-dashboard', ...flags], {
    cwd: dir,
    stdio: ['ignore', out, out],
    env: {...process.env, NO_COLOR: '1', NAACCORD_LOG_MAX_MB: '1024'},
  })
  let cpuMs = 0
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  await until(() => {
    cpuMs = Math.max(cpuMs, sample(child.pid!)?.cpuMs ?? 0)
    return exited
  }, 20)
  closeSync(out)
  const ms = performance.now() - began
  const text = readFileSync(outFile, 'latin1')
  let lines = 0
  // A flood line's text, prefixed ("flood1 | flood 000042…") or in JSON ("line":"flood 000042…").
  for (let i = text.indexOf('flood '); i !== -1; i = text.indexOf('flood ', i + 1)) lines++
  rmSync(dir, {recursive: true, force: true})
  return {cpuMs, ms, lines}
}

/** 4 × 50,000 lines/s for 5 s (250,000 lines each), paced by the clock. */
const PACED_JS = `
const line = 'x'.repeat(99 - 12)
const RATE = 50000, TOTAL = ${LINES}
const began = Date.now()
let n = 0
const timer = setInterval(() => {
  const due = Math.min(TOTAL, Math.floor(((Date.now() - began) / 1000) * RATE))
  const lines = []
  for (; n < due; n++) lines.push('flood ' + String(n).padStart(6, '0') + line + '\\n')
  if (lines.length > 0) process.stdout.write(lines.join(''))
  if (n >= TOTAL) clearInterval(timer)
}, 10)
`

async function foreground(): Promise<void> {
  const rows: [string, Awaited<ReturnType<typeof foregroundFlood>>, Awaited<ReturnType<typeof concurrentlyFlood>>][] =
    []
  rows.push(['flood, prefixed', await foregroundFlood(), await concurrentlyFlood()])
  rows.push(['flood, --json', await foregroundFlood(FLOOD_JS, ['--json']), await concurrentlyFlood()])
  rows.push(['paced 4 × 50k lines/s for 5 s', await foregroundFlood(PACED_JS), await concurrentlyFlood(PACED_JS)])
  console.log(
    `foreground: start --no-dashboard > file vs concurrently > file, 4 × ${LINES.toLocaleString()} lines of 100 B (load average ${os.loadavg()[0].toFixed(1)}):`,
  )
  for (const [what, fg, conc] of rows) {
    console.log(
      `  ${what.padEnd(30)} lines ${fg.lines.toLocaleString()} of ${(4 * LINES).toLocaleString()}; CPU naaccord ${fg.cpuMs.toFixed(0)} ms, concurrently ${conc.cpuMs.toFixed(0)} ms → ${(fg.cpuMs / conc.cpuMs).toFixed(2)} (target ≤ 1); wall ${fg.ms.toFixed(0)} / ${conc.ms.toFixed(0)} ms`,
    )
  }
  console.log('  (naaccord also writes every line to its log files)')
}

/**
 * Start-to-ready of the built-in pair, each way side by side in one run: launched directly (the floor), by
 * concurrently, by `naaccord start --no-dashboard` (foreground) and `start --detach`; ready = both health URLs
 * answer. Then each way's stop → both ports free (concurrently and the foreground on SIGINT, as Ctrl-C).
 */
async function ready(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nac-br-'))
  const [webPort, servicesPort] = [await freePort(), await freePort()]
  writeFileSync(path.join(dir, 'naaccord.config.yaml'), pairConfig(webPort, servicesPort))
  const bothHealthy = async () => (await healthy(servicesPort)) && (await healthy(webPort))
  const portsFree = async () => (await portFree(webPort)) && (await portFree(servicesPort))
  const serve = (role: string, port: number, extra: string) =>
    `SERVER_ROLE=${role} ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} serve ${role} --host 127.0.0.1 --port ${port}${extra}`
  /** Spawns, waits until both are healthy, then stops it with `signal` and waits for both ports. */
  async function way(spawnIt: () => ReturnType<typeof spawn>, signal: NodeJS.Signals) {
    const began = performance.now()
    const child = spawnIt()
    await until(bothHealthy, 5)
    const readyMs = performance.now() - began
    const stopBegan = performance.now()
    child.kill(signal)
    await until(portsFree, 5)
    const stopMs = performance.now() - stopBegan
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(0)))
    return {readyMs, stopMs}
  }
  const env = {...process.env, INTERNAL_API_KEY: KEY, SERVICES_URL: `http://127.0.0.1:${servicesPort}`, NO_COLOR: '1'}
  const results: Record<string, {ready: number[]; stop: number[]}> = {}
  const add = (name: string, r: {readyMs: number; stopMs: number}) => {
    results[name] ??= {ready: [], stop: []}
    results[name].ready.push(r.readyMs)
    results[name].stop.push(r.stopMs)
  }
  for (let i = 0; i < RUNS; i++) {
    const d = await directPair(dir, webPort, servicesPort)
    add('direct (floor)', {readyMs: d.readyMs, stopMs: d.shutdownMs})
    add(
      'concurrently',
      await way(
        () =>
          spawn(
            process.execPath,
            [
              path.join(repo, 'node_modules/concurrently/dist/bin/concurrently.js'),
              serve('services', servicesPort, ` --storage ${JSON.stringify(path.join(dir, 'storage'))}`),
              serve('web', webPort, ''),
            ],
            {cwd: dir, env, stdio: 'ignore'},
          ),
        'SIGINT',
      ),
    )
    add(
      'naaccord start (foreground)',
      await way(
        () => spawn(process.execPath, [bin, 'start', '--no-dashboard'], {cwd: dir, env, stdio: 'ignore'}),
        'SIGINT',
      ),
    )
    const began = performance.now()
    const started = await run(['start', '--detach'], dir)
    if (started.code !== 0) throw new Error(`start --detach failed:\n${started.out}`)
    const readyMs = performance.now() - began
    const stopBegan = performance.now()
    const stopping = run(['stop'], dir)
    await until(portsFree, 5)
    add('naaccord start --detach', {readyMs, stopMs: performance.now() - stopBegan})
    await stopping
  }
  rmSync(dir, {recursive: true, force: true})
  const floor = median(results['direct (floor)'].ready)
  console.log(
    `start-to-ready of the built-in pair, side by side (median of ${RUNS}, load average ${os.loadavg()[0].toFixed(1)}); stop → both ports free:`,
  )
  for (const [name, r] of Object.entries(results)) {
    const m = median(r.ready)
    const over = name.startsWith('direct') ? '' : ` (+${(m - floor).toFixed(0)} ms over direct)`
    console.log(
      `  ${name.padEnd(28)} ready ${m.toFixed(0)} ms${over} [${r.ready.map((x) => x.toFixed(0)).join(', ')}]; stop ${median(r.stop).toFixed(0)} ms`,
    )
  }
}

const which = process.argv[2]
if (!which || which === 'start') await startStop()
if (!which || which === 'ready') await ready()
if (!which || which === 'startup') await startups()
if (!which || which === 'foreground') await foreground()
if (!which || which === 'flood') await flood()
