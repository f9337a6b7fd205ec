/**
 * Receives a multipart (or urlencoded) body: text fields into a map, one named file part streamed into temp/ while
 * it is hashed. Fields may come before or after the file, so nothing is decided until the body is complete; a body
 * cut off at any byte leaves nothing behind. The multipart parser is our own (multipart.ts says why).
 */
import type {IncomingMessage} from 'node:http'
import {HttpError, readBodyCapped, readJsonObject} from '../http-util.js'
import {STREAM_HWM, type StagedFile, type Storage} from '../storage.js'
import {ClientGone} from './context.js'
import {isFilePart, MultipartLimitError, MultipartParser, multipartBoundary} from './multipart.js'

const LIMITS = {fieldSize: 1024 * 1024, fields: 100, parts: 1000}
/** An urlencoded body is read whole, so it has a cap of its own (no client of ours sends one; busboy streamed it). */
const URLENCODED_LIMIT = 4 * 1024 * 1024

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
  if (/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
    return {fields: await readUrlencoded(req)}
  }
  const boundary = multipartBoundary(req.headers['content-type'])
  if (boundary === undefined) throw new HttpError(400, 'Expected a multipart/form-data body')
  const fields: Record<string, string> = {}
  const abort = new AbortController()
  let staging: Promise<ReceivedFile> | undefined
  let stageError: Error | undefined
  const parser: MultipartParser = new MultipartParser({
    boundary,
    highWaterMark: STREAM_HWM,
    fileHighWaterMark: STREAM_HWM,
    limits: LIMITS,
    // The named part is the file even without a filename (a client sending it as a plain value).
    isFile: (part) => part.name === fileField || isFilePart(part),
    onField: (name, value) => {
      if (!Object.hasOwn(fields, name)) fields[name] = value
    },
    onFile: (part, stream) => {
      // Until stage() has opened its temp file and piped this stream, nothing else listens: an abort meanwhile
      // must not become an unhandled 'error' (stage's pipeline still sees the stream destroyed).
      stream.on('error', () => {})
      if (part.name !== fileField || staging) {
        stream.resume()
        return
      }
      staging = storage
        .stage(stream, abort.signal)
        .then((staged) => ({...staged, mimeType: part.mimeType, filename: part.filename ?? ''}))
      staging.catch((error: Error) => {
        // A failed write (disk full, abort) must end the parse too, or the parser would wait for the file forever.
        stageError = error
        parser.destroy(error)
      })
    },
  })
  // 'aborted' is the one signal that the client cut the body off (not our own teardown after a failed write).
  let clientGone = false
  req.once('aborted', () => {
    clientGone = true
  })
  try {
    await feed(req, parser)
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
    if (error instanceof MultipartLimitError) throw new HttpError(413, `Multipart body past a limit: ${error.message}`)
    throw new HttpError(400, `Malformed multipart body: ${(error as Error).message}`)
  }
  if (stageError) throw stageError
  return {fields, file: staging ? await staging : undefined}
}

/**
 * Pipes the request into the parser until the parser has finished. Unlike `pipeline`, a parser error does not
 * destroy the request: the socket stays open so that the error's answer reaches the client (sendAnswer reads the
 * rest of the body first). A request cut off (aborted, reset) destroys the parser, which discards the file part.
 */
function feed(req: IncomingMessage, parser: MultipartParser): Promise<void> {
  return new Promise((resolve, reject) => {
    let ended = false
    const onEnd = () => {
      ended = true
    }
    const cutOff = () => {
      if (!ended && !req.complete) parser.destroy(new Error('Unexpected end of form'))
    }
    const settle = (error?: Error | null) => {
      req.off('aborted', cutOff)
      req.off('close', cutOff)
      req.off('error', cutOff)
      req.off('end', onEnd)
      req.unpipe(parser)
      if (error) reject(error)
      else resolve()
    }
    parser.once('finish', () => settle())
    parser.on('error', settle) // on, not once: a second error after the first must not go unheard
    parser.once('close', () => settle(parser.writableFinished ? null : new Error('Unexpected end of form')))
    req.once('end', onEnd)
    req.once('aborted', cutOff)
    req.once('close', cutOff)
    req.once('error', cutOff)
    req.pipe(parser)
  })
}

/** An application/x-www-form-urlencoded body's fields (the first of each name), within the form limits. */
async function readUrlencoded(req: IncomingMessage): Promise<Record<string, string>> {
  let body: Buffer
  try {
    body = await readBodyCapped(req, URLENCODED_LIMIT)
  } catch (error) {
    if (req.destroyed && !req.complete && !(error instanceof HttpError)) {
      throw new ClientGone('the client went away mid-upload')
    }
    throw error
  }
  const fields: Record<string, string> = {}
  let count = 0
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (++count > LIMITS.fields) throw new HttpError(400, `Malformed form body: more than ${LIMITS.fields} fields`)
    if (Buffer.byteLength(value) > LIMITS.fieldSize) {
      throw new HttpError(
        400,
        `Malformed form body: field ${JSON.stringify(name)} is larger than ${LIMITS.fieldSize} bytes`,
      )
    }
    if (!Object.hasOwn(fields, name)) fields[name] = value
  }
  return fields
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
