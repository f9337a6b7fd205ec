/** Small real servers for session tests, written into a temp project, and process checks from /proc. */
import {readdirSync, readFileSync} from 'node:fs'
import {runCli} from '../helpers/index.js'

/** The built CLI, with its output as plain strings. */
export async function cli(args: string[], cwd: string) {
  const r = await runCli(args, {cwd})
  return {exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all)}
}

/** Listens on PORT, says so, exits 0 on SIGTERM. */
export const SERVER_JS = `
const http = require('node:http')
const server = http.createServer((req, res) => res.end('ok'))
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
`

/** Like SERVER_JS, but first forks a child that ignores SIGTERM (it stays in the group). */
export const FORKER_JS = `
const {spawn} = require('node:child_process')
const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => console.log('child ignores SIGTERM')); setInterval(() => {}, 1000); console.log('child up')"], {stdio: 'inherit'})
console.log('child pid ' + child.pid)
const http = require('node:http')
const server = http.createServer((req, res) => res.end('ok'))
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
`

/** Prints a line and exits 3. */
export const CRASH_JS = `console.log('crashing now'); process.exit(3)`

export function simpleConfig(project: string, servers: string): string {
  return `project: ${project}\napiKey: test-key-0123456789abcdef\nservers:\n${servers}`
}

/** Pids of every live process whose process group is pgid. */
export function groupPids(pgid: number): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
      // A zombie (state Z) is already dead, waiting to be reaped.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(entry))
    } catch {}
  }
  return out
}

export function isAlive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0] !== 'Z'
  } catch {
    return false
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return check()
}
