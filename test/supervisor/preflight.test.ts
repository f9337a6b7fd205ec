/**
 * Preflight: each server's folder, command and probe URL (real files in a temp folder), then each port, held by
 * real listeners in child processes of their own group, as a previous session's leftovers would be.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan, type Plan, type PlannedServer} from '../../src/config/plan.js'
import {checkPorts, checkServerInput, preflight} from '../../src/supervisor/preflight.js'
import {isGroupAlive} from '../../src/util/ports.js'
import {readStat} from '../../src/util/procfs.js'
import {executable, freePort, processGroups, tempDir} from '../helpers/index.js'

let dir = ''
let cleanup = () => {}
const groups = processGroups(isGroupAlive)
beforeEach(() => {
  ;({dir, cleanup} = tempDir('nac-pre-'))
})
afterEach(async () => {
  await groups.reap()
  cleanup()
})

/** An executable script at dir/rel (mode 0755 unless told). */
const script = (rel: string, mode = 0o755) => executable(dir, rel, mode)

/** A planned server as buildPlan makes one; the fields preflight reads are overridden per test. */
function server(over: Partial<PlannedServer> = {}): PlannedServer {
  return {
    kind: 'server',
    name: 'web',
    command: 'sh',
    args: [],
    commandText: 'sh',
    cwd: dir,
    env: {},
    host: '127.0.0.1',
    startTimeout: 60_000,
    dependsOn: {},
    restart: {policy: 'no', maxRestarts: 5, window: 60_000, backoffInitial: 500, backoffMax: 15_000},
    stopSignal: 'SIGTERM',
    stopTimeout: 10_000,
    watch: [],
    ...over,
  }
}

/** A real plan (load + buildPlan) of a project in dir with these servers. */
function plan(servers: string): Plan {
  writeFileSync(path.join(dir, 'naaccord.config.yaml'), `project: p\napiKey: k0123456789\nservers:\n${servers}`)
  return buildPlan(loadConfig({configPath: path.join(dir, 'naaccord.config.yaml'), noLocal: true, env: {}}), {
    profiles: [],
  })
}

/**
 * A TCP listener on 127.0.0.1:port held by a node process that a `sh` leads: the group's pgid is the shell's pid,
 * not the holder's. Resolves once the port is listening, with the group leader's and the holder's pids.
 */
async function holdPort(port: number): Promise<{pgid: number; holder: number}> {
  const js = `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log(process.pid))`
  const child = spawn('sh', ['-c', `"${process.execPath}" -e "$0" & wait`, js], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  groups.track(child)
  const [data] = (await once(child.stdout!, 'data')) as [Buffer]
  return {pgid: child.pid as number, holder: Number(String(data).trim())}
}

describe('checkServerInput', () => {
  it('a good server (command on PATH, existing folder, an http probe URL) has no problems', () => {
    expect(checkServerInput(server())).toEqual([])
    expect(
      checkServerInput(server({command: script('bin/run'), ready: {http: {url: 'https://x.test/h'}} as never})),
    ).toEqual([])
  })

  it('a missing folder, or a file given as the folder, is the one problem: the command is not looked at', () => {
    expect(checkServerInput(server({cwd: path.join(dir, 'gone'), command: '/nope'}))).toEqual([
      `web: servers.web.cwd: no such folder ${path.join(dir, 'gone')}`,
    ])
    const file = script('plain.txt', 0o644)
    expect(checkServerInput(server({cwd: file}))).toEqual([`web: servers.web.cwd: no such folder ${file}`])
  })

  it('an absolute command must exist and be executable', () => {
    const missing = path.join(dir, 'bin', 'missing')
    expect(checkServerInput(server({command: missing}))).toEqual([`web: servers.web.command: no such file ${missing}`])
    const plain = script('bin/plain', 0o644)
    expect(checkServerInput(server({name: 'api', command: plain}))).toEqual([
      `api: servers.api.command: ${plain} is not executable (chmod +x it)`,
    ])
  })

  it('an absolute command that is a folder is told as such (spawn would fail with EACCES)', () => {
    const folder = path.join(dir, 'bin')
    mkdirSync(folder)
    expect(checkServerInput(server({command: folder}))).toEqual([
      `web: servers.web.command: ${folder} is a folder, not a program`,
    ])
  })

  it('a bare command is looked up on the server’s own PATH: an executable file, not a folder or a plain file', () => {
    const bin = path.join(dir, 'bin')
    script('bin/tool')
    script('bin/plain', 0o644)
    mkdirSync(path.join(bin, 'folder'))
    const env = {PATH: `:${path.join(dir, 'nothing')}::${bin}`}
    expect(checkServerInput(server({command: 'tool', env}))).toEqual([])
    for (const command of ['plain', 'folder', 'sh']) {
      expect(checkServerInput(server({command, env}))).toEqual([
        `web: servers.web.command: \`${command}\` was not found on PATH`,
      ])
    }
  })

  it('an empty PATH entry is skipped, not read as this process’s working folder', () => {
    script('only-here')
    const before = process.cwd()
    process.chdir(dir)
    try {
      expect(checkServerInput(server({command: 'only-here', env: {PATH: `:${path.join(dir, 'nothing')}:`}}))).toEqual([
        'web: servers.web.command: `only-here` was not found on PATH',
      ])
    } finally {
      process.chdir(before)
    }
  })

  it('without PATH in its env, a server’s command is looked up on this process’s PATH', () => {
    expect(process.env.PATH).toBeTruthy()
    expect(checkServerInput(server({command: 'sh'}))).toEqual([])
    expect(checkServerInput(server({command: 'naaccord-no-such-program-here'}))).toEqual([
      'web: servers.web.command: `naaccord-no-such-program-here` was not found on PATH',
    ])
  })

  it('the readiness URL must be http(s) with a host', () => {
    const problems = (url: string) => checkServerInput(server({ready: {http: {url}} as never}))
    for (const url of ['http://127.0.0.1:8000/health', 'https://example.test', 'HTTP://LOCALHOST/']) {
      expect(problems(url)).toEqual([])
    }
    for (const url of ['ftp://127.0.0.1/x', 'file:///tmp/x', '127.0.0.1:8000/health', '', 'http://']) {
      expect(problems(url)).toEqual([`web: servers.web.ready.http.url: not an http(s) URL: ${JSON.stringify(url)}`])
    }
    // A tcp probe has no URL to check.
    expect(checkServerInput(server({ready: {tcp: {host: '127.0.0.1', port: 1}} as never}))).toEqual([])
  })

  it('a folder problem and a URL problem are both told, folder first', () => {
    expect(checkServerInput(server({cwd: path.join(dir, 'gone'), ready: {http: {url: 'x'}} as never}))).toEqual([
      `web: servers.web.cwd: no such folder ${path.join(dir, 'gone')}`,
      'web: servers.web.ready.http.url: not an http(s) URL: "x"',
    ])
  })
})

describe('checkPorts', () => {
  it('free ports, and servers without a port, give no problems', async () => {
    const [a, b] = [await freePort(), await freePort()]
    const p = plan(
      `  a: {command: sh, port: ${a}}\n  b: {command: sh, port: ${b}, host: 0.0.0.0}\n  c: {command: sh}\n`,
    )
    expect(await checkPorts(p)).toEqual([])
  })

  it('a port held by a stranger names the holder’s pid and command, and how to get past it', async () => {
    const port = await freePort()
    const {pgid, holder} = await holdPort(port)
    const p = plan(`  web: {command: sh, port: ${port}}\n`)
    const problems = await checkPorts(p, {knownGroups: [{name: 'web', pgid: pgid + 100_000}]})
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      new RegExp(
        `^web: port ${port} is already in use by pid ${holder} \\(.*node.* -e .*listen.*\\); stop it \\(kill ${holder}\\) or give web another port \\(servers\\.web\\.port\\)$`,
      ),
    )
  })

  it('a holder in a group of the previous session is named as that unit, found by its group or its own pid', async () => {
    const port = await freePort()
    const {pgid, holder} = await holdPort(port)
    expect(readStat(holder)?.pgid).toBe(pgid)
    expect(holder).not.toBe(pgid)
    const p = plan(`  web: {command: sh, port: ${port}}\n`)
    const leftover = new RegExp(
      `^web: port ${port} is already in use by pid ${holder} \\(.*\\); it is old-web of this project's previous session: \`naaccord stop\` stops it$`,
    )
    expect(
      await checkPorts(p, {
        knownGroups: [
          {name: 'other', pgid: 1},
          {name: 'old-web', pgid},
        ],
      }),
    ).toEqual([expect.stringMatching(leftover)])
    expect(await checkPorts(p, {knownGroups: [{name: 'old-web', pgid: holder}]})).toEqual([
      expect.stringMatching(leftover),
    ])
  })

  it('a port that is bound but not listening has no holder to name: it only says to pick another port', async () => {
    // python binds without SO_REUSEADDR and never listens: the bind conflicts, /proc/net/tcp shows no LISTEN.
    const child = spawn(
      'python3',
      [
        '-c',
        "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1], flush=True); sys.stdin.read()",
      ],
      {detached: true, stdio: ['pipe', 'pipe', 'inherit']},
    )
    groups.track(child)
    const [data] = (await once(child.stdout!, 'data')) as [Buffer]
    const port = Number(String(data).trim())
    const p = plan(`  web: {command: sh, port: ${port}}\n`)
    expect(await checkPorts(p)).toEqual([
      `web: port ${port} is already in use; give web another port (servers.web.port)`,
    ])
  })
})

it('preflight lists every input problem first, then every port problem, in plan order', async () => {
  const port = await freePort()
  await holdPort(port)
  const p = plan(
    [
      `  services: {command: no-such-cmd-a, port: ${port}}`,
      `  web: {command: sh, cwd: gone, dependsOn: [services]}`,
      `  worker: {command: no-such-cmd-b, ready: {http: {url: "ftp://x"}}}`,
      '',
    ].join('\n'),
  )
  const problems = await preflight(p)
  expect(problems).toHaveLength(5)
  expect(problems.slice(0, 4).map((line) => line.split(':').slice(0, 2).join(':'))).toEqual([
    'services: servers.services.command',
    'web: servers.web.cwd',
    'worker: servers.worker.command',
    'worker: servers.worker.ready.http.url',
  ])
  expect(problems[4]).toMatch(new RegExp(`^services: port ${port} is already in use by pid \\d+ `))
})
