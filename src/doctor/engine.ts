/**
 * The doctor's view of the container engine: src/deps' connectEngine (the one that `start` uses, so the doctor
 * checks the engine that would really be used), tried once per doctor run and shared by the engine and image
 * checks.
 */
import {connectEngine, type EngineConnection, EngineUnreachableError} from '../deps/engine.js'

export type EngineResult = EngineConnection | {tried: {endpoint: string; source?: string; error: string}[]}

const perContext = new WeakMap<object, Promise<EngineResult>>()

export async function tryEngine(env: NodeJS.ProcessEnv): Promise<EngineResult> {
  try {
    return await connectEngine({env})
  } catch (error) {
    if (error instanceof EngineUnreachableError) return {tried: error.tried}
    return {tried: [{endpoint: env.DOCKER_HOST ?? 'default', error: (error as Error).message}]}
  }
}

export function engineFor(ctx: {env: NodeJS.ProcessEnv}): Promise<EngineResult> {
  let conn = perContext.get(ctx)
  if (!conn) {
    conn = tryEngine(ctx.env)
    perContext.set(ctx, conn)
  }
  return conn
}
