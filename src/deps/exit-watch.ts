/**
 * When a dependency's container exits: from the engine's event stream (`die`), then its exit code from inspect.
 * Not the wait endpoint: podman 4's compat /containers/{id}/wait polls the container's state in a tight loop, and
 * kept a whole core of the engine busy for as long as a dependency ran (6.3 CPU-seconds per 5 s, measured), which
 * also slowed a database starting beside it by seconds. The event stream costs nothing while nothing happens.
 * Should the stream break (the engine restarted), the state is polled instead.
 */
import type {Readable} from 'node:stream'
import type Docker from 'dockerode'
import type {UnitExit} from '../supervisor/unit.js'
import {statusOf} from './api-error.js'

const POLL_MS = 2000

export interface ExitWatch {
  exited: Promise<UnitExit>
  close(): void
}

export async function watchExit(docker: Docker, container: Docker.Container): Promise<ExitWatch> {
  let stream: Readable | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false
  let settle!: (exit: UnitExit) => void
  let fail!: (error: unknown) => void
  const exited = new Promise<UnitExit>((resolve, reject) => {
    settle = resolve
    fail = reject
  })
  const close = () => {
    closed = true
    if (timer) clearTimeout(timer)
    stream?.destroy()
  }
  /** Resolves when the container is no longer running (or gone); false when it still runs. */
  const check = async (): Promise<boolean> => {
    try {
      const info = await container.inspect()
      if (info.State.Running) return false
      close()
      settle({code: info.State.ExitCode ?? null, signal: null})
    } catch (error) {
      if (statusOf(error) !== 404) throw error
      close()
      settle({code: null, signal: null})
    }
    return true
  }
  const poll = () => {
    if (closed) return
    check().then(
      (done) => {
        if (!done && !closed) timer = setTimeout(poll, POLL_MS).unref()
      },
      (error) => {
        close()
        fail(error)
      },
    )
  }
  try {
    stream = (await docker.getEvents({
      filters: {type: ['container'], container: [container.id], event: ['die']},
    })) as unknown as Readable
  } catch {
    stream = undefined
  }
  if (stream) {
    let rest = ''
    stream.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8')
      const lines = rest.split('\n')
      rest = lines.pop() ?? ''
      // Any event here is this container's `die`; the exit code is read from the container itself.
      if (lines.some((l) => l.trim() !== '')) poll()
    })
    stream.on('error', () => undefined)
    stream.on('close', () => {
      if (!closed) poll()
    })
  }
  // Subscribed first, looked at second: an exit between start and here is not missed.
  poll()
  // Read by waitExit; never an unhandled rejection before it is.
  exited.catch(() => undefined)
  return {exited, close}
}
