/** The contract's health call: GET <origin>/internal/storage/health with X-API-Key. */
export interface Health {
  ok: boolean
  status?: number
  body?: {status?: string; test_passed?: boolean; server_role?: string; storage_backend?: string; error?: string}
  error?: string
  ms: number
}

export async function getHealth(origin: string, key: string | undefined, timeoutMs: number): Promise<Health> {
  const started = Date.now()
  try {
    const res = await fetch(new URL('/internal/storage/health', origin), {
      headers: key ? {'X-API-Key': key} : {},
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    let body: Health['body']
    try {
      body = JSON.parse(text) as Health['body']
    } catch {}
    return {ok: res.status === 200 && body?.status === 'healthy', status: res.status, body, ms: Date.now() - started}
  } catch (error) {
    const e = error as Error & {cause?: {code?: string}}
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000}s` : (e.cause?.code ?? e.message)
    return {ok: false, error: reason, ms: Date.now() - started}
  }
}
