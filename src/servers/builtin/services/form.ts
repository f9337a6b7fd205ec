/**
 * Receives a multipart (or urlencoded) body with busboy: text fields into a map, one named file part streamed
 * into temp/ while it is hashed. Fields may come before or after the file, so nothing is decided until the body
 * is complete; a body cut off at any byte leaves nothing behind.
 */
import type {IncomingMessage} from 'node:http'
import {pipeline} from 'node:stream/promises'
import busboy from 'busboy'
import {HttpError, readJsonObject} from '../http-util.js'
import {STREAM_HWM, type StagedFile, type Storage} from '../storage.js'
import {ClientGone} from './context.js'

export interface ReceivedFile extends StagedFile {
  mimeType: string
  filename: string
}

export interface ReceivedForm {
  fields: Record<string, string>
  file?: ReceivedFile
}

export async function receiveForm(req: IncomingMessage, storage: Storage, fileField: string): Promise<ReceivedForm> {
  if (/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    // Not what the depot's client sends, but a harmless convenience for the fileless actions.
    const body = await readJsonObject(req)
    const fields = Object.fromEntries(
      Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    )
    return {fields}
  }
  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: req.headers,
      highWaterMark: STREAM_HWM,
      fileHwm: STREAM_HWM,
      limits: {fieldSize: 1024 * 1024, fields: 100, parts: 1000},
    })
  } catch {
    throw new HttpError(400, 'Expected a multipart/form-data body')
  }
  const fields: Record<string, string> = {}
  const abort = new AbortController()
  let staging: Promise<ReceivedFile> | undefined
  let stageError: Error | undefined
  parser.on('field', (name, value) => {
    if (!Object.hasOwn(fields, name)) fields[name] = value
  })
  parser.on('file', (name, stream, info) => {
    // Until stage() has opened its temp file and piped this stream, nothing else listens: an abort meanwhile
    // must not become an unhandled 'error' (stage's pipeline still sees the stream destroyed).
    stream.on('error', () => {})
    if (name !== fileField || staging) {
      stream.resume()
      return
    }
    staging = storage
      .stage(stream, abort.signal)
      .then((staged) => ({...staged, mimeType: info.mimeType, filename: info.filename ?? ''}))
    staging.catch((error: Error) => {
      // A failed write (disk full, abort) must end the parse too, or busboy would wait for the file forever.
      stageError = error
      parser.destroy(error)
    })
  })
  // 'aborted' is the one signal that the client cut the body off (not our own teardown after a failed write).
  let clientGone = false
  req.once('aborted', () => {
    clientGone = true
  })
  try {
    await pipeline(req, parser)
  } catch (error) {
    const writeFailure = stageError
    abort.abort()
    if (staging)
      await staging.then(
        (s) => storage.discard(s),
        () => {},
      )
    if (clientGone) throw new ClientGone('the client went away mid-upload')
    if (writeFailure) throw writeFailure
    throw new HttpError(400, `Malformed multipart body: ${(error as Error).message}`)
  }
  if (stageError) throw stageError
  return {fields, file: staging ? await staging : undefined}
}

/** The `metadata` field: a JSON object string; anything else is ignored, as the depot does. */
export function parseMetadata(value: string | undefined): Record<string, unknown> {
  if (!value) return {}
  try {
    const parsed = JSON.parse(value)
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}
  } catch {
    return {}
  }
}
