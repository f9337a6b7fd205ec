import http from 'node:http'
import https from 'node:https'
import type {ProbeAttempt} from './types.js'

/** Reads a dotted path ("a.b.c") from parsed JSON. */
function pick(value: unknown, dotted: string): unknown {
  let cur = value
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

/** HTTP: the status must match, and each `json` field must equal the body's (e.g. test_passed: true). */
export const httpProbe: ProbeAttempt = (probe, ctx, timeoutMs) => {
  const spec = probe.http!
  const statuses = Array.isArray(spec.status) ? spec.status : [spec.status]
  return new Promise((resolve) => {
    const url = new URL(spec.url)
    const client = url.protocol === 'https:' ? https : http
    const req = client.request(url, {
      method: spec.method,
      headers: spec.headers,
      timeout: timeoutMs,
      signal: ctx.signal,
    })
    const done = (reason: string | undefined) => {
      clearTimeout(timer)
      resolve(reason)
    }
    const timer = setTimeout(() => {
      req.destroy()
      done(`no answer from ${spec.url} within ${timeoutMs}ms`)
    }, timeoutMs)
    req.on('error', (error: NodeJS.ErrnoException) => done(`${spec.url}: ${error.code ?? error.message}`))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        if (size < 64 * 1024) chunks.push(chunk)
        size += chunk.length
      })
      res.on('error', (error) => done(`${spec.url}: ${error.message}`))
      res.on('end', () => {
        const status = res.statusCode ?? 0
        if (!statuses.includes(status)) return done(`${spec.url} answered ${status}, expected ${statuses.join(' or ')}`)
        if (!spec.json) return done(undefined)
        let body: unknown
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          return done(`${spec.url} answered ${status} but not with JSON`)
        }
        for (const [field, want] of Object.entries(spec.json)) {
          const got = pick(body, field)
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            return done(`${spec.url}: ${field} is ${JSON.stringify(got)}, waiting for ${JSON.stringify(want)}`)
          }
        }
        done(undefined)
      })
    })
    req.end()
  })
}
