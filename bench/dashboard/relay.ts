/**
 * A minimal session for the benchmark when no supervisor can be started: spawns the flooding processes, writes
 * every line to a per-process log file, and serves the control-socket protocol (GET /events, /logs, POST
 * /units/…, /shutdown) that the dashboard attaches to. The floods start when the first dashboard subscribes.
 */
import {spawn} from 'node:child_process'
import {createWriteStream, type WriteStream} from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import readline from 'node:readline'
import type {SessionStatus, UnitStatus} from '../../src/session/protocol.js'
import {floodArgs} from './flood.js'

export interface Relay {
  socketPath: string
  logFiles: Record<string, string>
  /** Resolves when every flood has exited and its log file is flushed. */
  finished: Promise<void>
  pid: number
  close(): Promise<void>
}

export async function startRelay(dir: string, tags: string[], lines: number): Promise<Relay> {
  const socketPath = path.join(dir, 'relay.sock')
  const now = Date.now()
  const units: UnitStatus[] = tags.map((_tag, i) => ({
    name: `flood${i + 1}`,
    kind: 'server',
    state: 'pending',
    restarts: 0,
    logFile: path.join(dir, `flood${i + 1}.log`),
  }))
  const status: SessionStatus = {
    version: 1,
    project: 'bench',
    configFile: path.join(dir, 'naaccord.config.yaml'),
    root: dir,
    supervisorPid: process.pid,
    startedAt: now,
    socketPath,
    state: 'starting',
    units,
  }
  const streams = new Set<http.ServerResponse>()
  // Events are batched per tick: one socket write for many lines, as a real supervisor would want.
  let pending = ''
  let scheduled = false
  const send = (event: unknown) => {
    pending += `${JSON.stringify(event)}\n`
    if (scheduled) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      for (const res of streams) res.write(pending)
      pending = ''
    })
  }
  let started = false
  let resolveFinished!: () => void
  const finished = new Promise<void>((r) => {
    resolveFinished = r
  })
  const startFloods = () => {
    started = true
    let left = tags.length
    tags.forEach((tag, i) => {
      const unit = units[i]
      const file: WriteStream = createWriteStream(unit.logFile)
      const child = spawn(process.execPath, floodArgs(tag, lines), {stdio: ['ignore', 'pipe', 'inherit']})
      Object.assign(unit, {state: 'ready', pid: child.pid, startedAt: Date.now(), readyAt: Date.now(), readyMs: 0})
      send({type: 'unit', unit: {...unit}})
      const rl = readline.createInterface({input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY})
      rl.on('line', (line) => {
        file.write(`${line}\n`)
        send({type: 'log', log: {unit: unit.name, stream: 'stdout', line, ts: Date.now()}})
      })
      // 'close' comes after the child's output has ended, so every line has been read by then.
      child.on('close', (code) => {
        Object.assign(unit, {state: 'exited', exitCode: code})
        send({type: 'unit', unit: {...unit}})
        file.end(() => {
          if (--left === 0) resolveFinished()
        })
      })
    })
    status.state = 'running'
  }
  const server = http.createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, {'content-type': 'application/x-ndjson'})
      res.write(`${JSON.stringify({type: 'status', status})}\n`)
      streams.add(res)
      res.on('close', () => streams.delete(res))
      if (!started) startFloods()
      return
    }
    if (req.url?.startsWith('/logs')) {
      res.writeHead(200, {'content-type': 'application/x-ndjson'}).end()
      return
    }
    res.end(JSON.stringify({ok: false, error: 'the bench relay does not do that'}))
  })
  await new Promise<void>((r) => server.listen(socketPath, r))
  return {
    socketPath,
    logFiles: Object.fromEntries(units.map((u) => [u.name, u.logFile])),
    finished,
    pid: process.pid,
    async close() {
      for (const res of streams) res.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
