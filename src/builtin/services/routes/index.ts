/** The services routes, one module each, by the name that follows /internal/storage/. */
import type {RouteHandler} from '../context.js'
import {cleanup} from './cleanup.js'
import {deleteFile} from './delete.js'
import {deletePrefix} from './delete-prefix.js'
import {download} from './download.js'
import {exists} from './exists.js'
import {health} from './health.js'
import {list} from './list.js'
import {metadata} from './metadata.js'
import {upload} from './upload.js'
import {uploadChunked} from './upload-chunked.js'

export const ROUTES: Readonly<Record<string, RouteHandler>> = {
  upload,
  upload_chunked: uploadChunked,
  download,
  delete: deleteFile,
  delete_prefix: deletePrefix,
  list,
  exists,
  metadata,
  cleanup,
  health,
  status: health,
}
