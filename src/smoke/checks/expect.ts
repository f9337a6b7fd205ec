/** Small assertions shared by the checks: each throws a CheckFailure saying what was expected and what came back. */
import type {DownloadResult, HttpResult, StorageClient} from '../client.js'
import {type CheckContext, CheckFailure, CheckSkipped} from '../types.js'

const SHOWN = 300

/** The answer as one short line for the report. */
export function show(res: HttpResult): string {
  const text = res.text.replace(/\s+/g, ' ').trim()
  const body = text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text
  return `${res.status}${body ? ` ${body}` : ' (empty body)'}`
}

export function expectStatus(step: string, res: HttpResult, status: number | number[]): void {
  const ok = Array.isArray(status) ? status.includes(res.status) : res.status === status
  if (!ok) throw new CheckFailure(`${step}: got ${res.status}`, `status ${[status].flat().join(' or ')}`, show(res))
}

/** The JSON object of an answer, or a failure naming the step. */
export function jsonOf(step: string, res: HttpResult): Record<string, unknown> {
  if (res.json === null || typeof res.json !== 'object' || Array.isArray(res.json))
    throw new CheckFailure(`${step}: the answer is not a JSON object`, 'a JSON object', show(res))
  return res.json as Record<string, unknown>
}

/** Status 200 and a JSON object whose fields equal `fields`. */
export function expectJson(
  step: string,
  res: HttpResult,
  fields: Record<string, unknown>,
  status = 200,
): Record<string, unknown> {
  expectStatus(step, res, status)
  const body = jsonOf(step, res)
  for (const [k, v] of Object.entries(fields)) {
    if (body[k] !== v)
      throw new CheckFailure(
        `${step}: ${k} is ${JSON.stringify(body[k])}`,
        `${status} with ${k}: ${JSON.stringify(v)}`,
        show(res),
      )
  }
  return body
}

/**
 * A download answered 200 with the bytes that were sent: `size` of them, sha256 `digest`. `differs` is the
 * failure's headline when they are other bytes.
 */
export function expectDownload(
  down: DownloadResult,
  size: number,
  digest: string,
  differs = 'download: the bytes differ from the upload',
): void {
  if (down.status !== 200)
    throw new CheckFailure(
      `download: got ${down.status}`,
      'status 200 and the bytes',
      `${down.status} ${down.text ?? ''}`,
    )
  if (down.sha256 !== digest)
    throw new CheckFailure(differs, `${size} bytes, sha256 ${digest}`, `${down.bytes} bytes, sha256 ${down.sha256}`)
}

export function needServices(ctx: CheckContext): StorageClient {
  if (!ctx.services) throw new CheckSkipped('no services URL (pass --services-url)')
  return ctx.services
}

export function needWeb(ctx: CheckContext): StorageClient {
  if (!ctx.web) throw new CheckSkipped('no web URL (pass --web-url)')
  return ctx.web
}
