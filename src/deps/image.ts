/**
 * Images by pull policy. The engine answers a pull with HTTP 200 and may report the failure as an `error`
 * field inside the progress stream (podman does for an unreachable registry), and `followProgress` then calls
 * back without an error: so every event is checked here.
 */
import type Docker from 'dockerode'
import {statusOf} from './api-error.js'

export type PullPolicy = 'missing' | 'always' | 'never'

export interface PullEvent {
  id?: string
  status?: string
  progress?: string
  progressDetail?: {current?: number; total?: number}
  error?: string
  errorDetail?: {message?: string}
}

export class ImageError extends Error {
  constructor(
    readonly image: string,
    cause: string,
  ) {
    super(`image ${image}: ${cause}`)
    this.name = 'ImageError'
  }
}

async function imageExists(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect()
    return true
  } catch (error) {
    if (statusOf(error) === 404) return false
    throw error
  }
}

export async function pullImage(docker: Docker, image: string, onEvent: (event: PullEvent) => void = () => {}) {
  let stream: NodeJS.ReadableStream
  try {
    stream = await docker.pull(image)
  } catch (error) {
    throw new ImageError(image, `pull failed: ${firstLine(error)}`)
  }
  let failure: string | undefined
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(new ImageError(image, `pull failed: ${firstLine(err)}`)) : resolve()),
      (event: PullEvent) => {
        const message = event.error ?? event.errorDetail?.message
        if (message && !failure) failure = message
        onEvent(event)
      },
    )
  })
  if (failure) throw new ImageError(image, `pull failed: ${failure.trim()}`)
}

/** Makes the image present per policy; `onPull` is told when a pull begins (for a one-line notice). */
export async function ensureImage(
  docker: Docker,
  image: string,
  policy: PullPolicy,
  hooks: {onPullStart?: () => void; onEvent?: (event: PullEvent) => void} = {},
): Promise<void> {
  if (policy !== 'always' && (await imageExists(docker, image))) return
  if (policy === 'never')
    throw new ImageError(image, 'not present and pull is `never` (pull it yourself, or set pull: missing)')
  hooks.onPullStart?.()
  await pullImage(docker, image, hooks.onEvent)
  if (!(await imageExists(docker, image)))
    throw new ImageError(image, 'the pull reported success but the engine has no such image')
}

function firstLine(error: unknown): string {
  const e = error as {json?: {message?: string}; message?: string}
  return (e.json?.message ?? e.message ?? String(error)).split('\n')[0]
}
