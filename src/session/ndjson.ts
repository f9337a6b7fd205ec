/**
 * Reads an NDJSON response of the control socket, one batch of parsed objects per chunk read: under a log flood a
 * chunk holds hundreds of lines, and handing them over together costs one await per chunk instead of one per
 * line. Used by the session client (client.ts), through which the CLI, the dashboard and doctor read streams.
 */
import type http from 'node:http'

export async function* ndjsonBatches<T>(res: http.IncomingMessage): AsyncIterable<T[]> {
  res.setEncoding('utf8')
  // The iterator below rethrows stream errors; this keeps one arriving between two reads from being unhandled.
  res.on('error', () => undefined)
  let rest = ''
  for await (const chunk of res as AsyncIterable<string>) {
    rest += chunk
    const batch: T[] = []
    let nl = rest.indexOf('\n')
    let start = 0
    while (nl !== -1) {
      if (nl > start) batch.push(JSON.parse(rest.slice(start, nl)) as T)
      start = nl + 1
      nl = rest.indexOf('\n', start)
    }
    rest = rest.slice(start)
    if (batch.length > 0) yield batch
  }
  if (rest.trim() !== '') yield [JSON.parse(rest) as T]
}
