/**
 * Log lines in the shape of Django's runserver, so that the supervisor's log views and anyone used to the depot
 * read them the same way: `[29/Nov/2026 07:18:30] "POST /upload HTTP/1.1" 200 187`. Every line about a request
 * carries `[req <id>]`, the id web sends on to services, so one upload can be followed across both logs.
 * The API key is never part of a line: handlers never pass headers here.
 */
import {randomBytes} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'

export type LogSink = (line: string) => void

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`)
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number) => String(n).padStart(2, '0')

/** Django's access-log timestamp, local time: 29/Nov/2026 07:18:30. */
export function djangoTime(date = new Date()): string {
  return `${pad(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

export function newRequestId(): string {
  return randomBytes(6).toString('hex')
}

export class Logger {
  constructor(private readonly sink: LogSink) {}

  info(rid: string | undefined, message: string): void {
    this.sink(`[${djangoTime()}] INFO ${rid ? `[req ${rid}] ` : ''}${message}`)
  }

  warn(rid: string | undefined, message: string): void {
    this.sink(`[${djangoTime()}] WARNING ${rid ? `[req ${rid}] ` : ''}${message}`)
  }

  /** One access line once the answer is sent (or the client went away: status 499, as nginx writes it). */
  access(req: IncomingMessage, res: ServerResponse, rid: string): void {
    const done = () => {
      const status = res.writableFinished ? res.statusCode : 499
      const length = res.getHeader('content-length') ?? '-'
      this.sink(`[${djangoTime()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${length} [req ${rid}]`)
    }
    res.once('close', done)
  }
}
