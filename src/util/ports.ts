/**
 * Who holds a port, read from /proc (Linux): the socket's inode in /proc/net/tcp{,6}, then the process whose
 * fd points at that inode. Used by preflight, doctor and stop's "every port is free" check. Also: a free port
 * for a test or a one-shot pair (freePort), and one TCP connect (tcpConnect).
 */
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {eachOpenFd} from './procfs.js'

export interface PortHolder {
  pid: number
  /** The full command line, spaces between arguments. */
  command: string
}

/** One TCP connection attempt: accepted, refused or failed (with its error code), or no answer in time. */
export type ConnectResult = {ok: true} | {ok: false; timedOut: true} | {ok: false; timedOut: false; code: string}

/** Connects to host:port and closes at once (the tcp probe, a container's health test). */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    const finish = (result: ConnectResult) => {
      socket.destroy()
      resolve(result)
    }
    socket.setTimeout(timeoutMs, () => finish({ok: false, timedOut: true}))
    socket.once('connect', () => finish({ok: true}))
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ok: false, timedOut: false, code: error.code ?? error.message}),
    )
  })
}

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** True when nothing accepts a TCP connection on host:port and it can be bound (checked by binding). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({port, host, exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/** Inodes of sockets listening on the port (any address), from /proc/net/tcp and tcp6. */
export function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 10) continue
      const localPort = Number.parseInt(cols[1].split(':')[1], 16)
      const state = cols[3]
      if (localPort === port && state === '0A') inodes.add(cols[9]) // 0A = LISTEN
    }
  }
  return inodes
}

export function processCommand(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return raw.split('\0').filter(Boolean).join(' ')
  } catch {
    return undefined
  }
}

/** The process listening on the port, or undefined if none (or it belongs to a process we may not inspect). */
export function findPortHolder(port: number): PortHolder | undefined {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) return undefined
  let holder: PortHolder | undefined
  eachOpenFd((pid, link) => {
    const match = /^socket:\[(\d+)\]$/.exec(link)
    if (!match || !inodes.has(match[1])) return false
    holder = {pid, command: processCommand(pid) ?? '?'}
    return true
  })
  return holder
}

/** Whether any process of the group is alive (kill(-pgid, 0) succeeds). */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
