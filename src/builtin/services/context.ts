/** What every services route handler receives. */
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Logger} from '../log.js'
import type {Storage} from '../storage.js'

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** Request id shared with web's log. */
  rid: string
  storage: Storage
  log: Logger
  /** Paths in log lines: relative to the working folder when below it (storage/workspace/uploads/…). */
  show(abs: string): string
}

export type RouteHandler = (ctx: RouteContext) => Promise<void>

/** The client went away mid-request: nothing to answer, the partial write was already discarded. */
export class ClientGone extends Error {}
