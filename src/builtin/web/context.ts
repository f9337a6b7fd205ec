/** What every web handler receives. */
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Logger} from '../log.js'
import type {ServicesClient} from './services-client.js'

export interface WebContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  rid: string
  log: Logger
  services: ServicesClient
}
