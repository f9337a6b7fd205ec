/**
 * How long `naaccord doctor` takes on the built-in pair's config (plus two dependencies when DOCKER_HOST is set),
 * its checks run in parallel (as shipped) versus one after another, measured side by side in one run, in two
 * situations: no session (a foreign process holds web's port, so the /proc port-holder and tmux lookups are in
 * the figure) and a running session of the built-in pair (`naaccord serve services|web`; health calls to
 * services and through web). Needs the build (dist/). Prints; asserts nothing.
 *
 *   npx tsx bench/doctor/parallel.ts [rounds]
 */
import {type ChildProcess, spawn} from 'node:child_process'
import path from 'node:path'
import {checks} from '../../src/doctor/checks/index.js'
import {createContext} from '../../src/doctor/context.js'
import {runCheck, runChecks} from '../../src/doctor/index.js'
import {unit, writeSession} from '../../test/doctor/fixtures.js'
import {waitForLine} from '../../test/doctor/helpers.js'
import {builtinConfig, freePort, tempProject} from '../../test/helpers/index.js'

const rounds = Number(process.argv[2] ?? 7)
const KEY = 'bench-key-0123456789abcdef'
const deps = process.env.DOCKER_HOST
  ? `dependencies:
  redis: {image: localhost/naaccord-dev/redis:7}
  mariadb: {image: localhost/naaccord-dev/mariadb:10.11}
`
  : ''
const env = {PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: process.env.DOCKER_HOST}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function measure(label: string, dir: string): Promise<void> {
  const make = () => createContext({configPath: path.join(dir, 'naaccord.config.yaml'), cwd: dir, env})
  const parallel: number[] = []
  const sequential: number[] = []
  for (let i = 0; i < rounds; i++) {
    // Interleaved so that both see the same machine load.
    parallel.push(await time(() => runChecks(make(), checks)))
    sequential.push(
      await time(async () => {
        const ctx = make()
        for (const c of checks) await runCheck(c, ctx)
      }),
    )
  }
  const par = median(parallel)
  const seq = median(sequential)
  console.log(`${label}:`)
  console.log(`  parallel   ${par.toFixed(1)} ms`)
  console.log(`  sequential ${seq.toFixed(1)} ms`)
  console.log(`  sequential / parallel = ${(seq / par).toFixed(2)}x`)
}

const children: ChildProcess[] = []
const cleanups: (() => void)[] = []
try {
  console.log(
    `doctor, ${checks.length} checks, median of ${rounds} rounds, engine: ${process.env.DOCKER_HOST ?? 'none'}`,
  )
  {
    const webPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort: await freePort(), key: KEY}) + deps)
    cleanups.push(p.cleanup)
    const holder = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${webPort}, '127.0.0.1', () => console.log('ready'))`],
      {stdio: ['ignore', 'pipe', 'inherit']},
    )
    children.push(holder)
    await waitForLine(holder, 'ready')
    await measure('no session, a foreign process on a port', p.dir)
  }
  {
    const webPort = await freePort()
    const servicesPort = await freePort()
    const p = tempProject(builtinConfig({webPort, servicesPort, key: KEY}) + deps)
    cleanups.push(p.cleanup)
    const serve = async (role: string, args: string[], extra: Record<string, string>) => {
      const child = spawn(process.execPath, [path.resolve('bin/run.js'), 'serve', role, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {PATH: process.env.PATH, INTERNAL_API_KEY: KEY, ...extra},
      })
      children.push(child)
      await waitForLine(child, 'listening on')
      return child
    }
    const storage = path.join(p.dir, 'storage', 'workspace')
    const services = await serve('services', ['--port', String(servicesPort), '--storage', storage], {})
    const web = await serve('web', ['--port', String(webPort)], {SERVICES_URL: `http://127.0.0.1:${servicesPort}`})
    const at = (pid: number | undefined) => ({pid, pgid: pid, startedAt: Date.now(), state: 'ready' as const})
    writeSession(p.dir, {
      supervisorPid: process.pid,
      units: [
        unit('services', 'services', {
          ...at(services.pid),
          port: servicesPort,
          url: `http://127.0.0.1:${servicesPort}`,
        }),
        unit('web', 'web', {...at(web.pid), port: webPort, url: `http://127.0.0.1:${webPort}`}),
      ],
    })
    await measure('a running session (health calls to services and through web)', p.dir)
  }
} finally {
  for (const c of children) c.kill('SIGKILL')
  for (const c of cleanups) c()
}
