import type {DepProbe} from './types.js'

/** `{port}` in the URL is the first published host port; `{host}` is 127.0.0.1. */
export const httpProbe: DepProbe = async (probe, ctx, timeoutMs) => {
  const http = probe.http
  if (!http) return 'no http probe'
  const first = ctx.ports.values().next().value
  const url = http.url.replaceAll('{host}', '127.0.0.1').replaceAll('{port}', String(first ?? ''))
  try {
    const res = await fetch(url, {
      method: http.method,
      headers: http.headers,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
    })
    const body = await res.text()
    const wanted = Array.isArray(http.status) ? http.status : [http.status]
    if (!wanted.includes(res.status)) return `${http.method} ${url}: HTTP ${res.status} (want ${wanted.join('/')})`
    if (!http.json) return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return `${http.method} ${url}: body is not JSON`
    }
    for (const [key, want] of Object.entries(http.json)) {
      const got = key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], parsed)
      if (JSON.stringify(got) !== JSON.stringify(want))
        return `${http.method} ${url}: ${key} is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`
    }
    return undefined
  } catch (error) {
    const e = error as {cause?: {code?: string}; message: string}
    return `${http.method} ${url}: ${e.cause?.code ?? e.message}`
  }
}
