import http from 'node:http'
import https from 'node:https'
import type {ProbeKind} from './types.js'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Reads a dotted path ("a.b.c") from parsed JSON. */
function pick(value: unknown, dotted: string): unknown {
  let cur = value
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

/**
 * HTTP: the status must match, and each `json` field must equal the body's (e.g. test_passed: true). A loopback
 * URL's port goes through the target, so `http://127.0.0.1:{port}/` reaches a container's published port.
 */
export const httpKind: ProbeKind = {
  live: true,
  describe: (probe) => `${probe.http!.method} ${probe.http!.url}`,
  attempt(probe, target, timeoutMs, signal) {
    const spec = probe.http!
    const statuses = Array.isArray(spec.status) ? spec.status : [spec.status]
    const url = new URL(spec.url)
    if (url.port && LOOPBACK.has(url.hostname)) url.port = String(target.hostPort(Number(url.port)))
    const shown = url.href
    return new Promise((resolve) => {
      const client = url.protocol === 'https:' ? https : http
      const req = client.request(url, {method: spec.method, headers: spec.headers, timeout: timeoutMs, signal})
      const done = (reason: string | undefined) => {
        clearTimeout(timer)
        resolve(reason)
      }
      const timer = setTimeout(() => {
        req.destroy()
        done(`no answer from ${shown} within ${timeoutMs}ms`)
      }, timeoutMs)
      req.on('error', (error: NodeJS.ErrnoException) => done(`${shown}: ${error.code ?? error.message}`))
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          if (size < 64 * 1024) chunks.push(chunk)
          size += chunk.length
        })
        res.on('error', (error) => done(`${shown}: ${error.message}`))
        res.on('end', () => {
          const status = res.statusCode ?? 0
          if (!statuses.includes(status)) return done(`${shown} answered ${status}, expected ${statuses.join(' or ')}`)
          if (!spec.json) return done(undefined)
          let body: unknown
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
          } catch {
            return done(`${shown} answered ${status} but not with JSON`)
          }
          for (const [field, want] of Object.entries(spec.json)) {
            const got = pick(body, field)
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              return done(`${shown}: ${field} is ${JSON.stringify(got)}, waiting for ${JSON.stringify(want)}`)
            }
          }
          done(undefined)
        })
      })
      req.end()
    })
  },
}
