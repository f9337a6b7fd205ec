/**
 * The terminal dashboard (issue 6): `naaccord dashboard` attaches it to a running session, and `naaccord start`
 * opens it on a TTY. It is only ever a client of the session's control socket, so detaching (d) leaves the
 * session running and quitting (q) asks the session to stop.
 */
import {Dashboard, type DashboardExit, type DashboardOptions} from './app.js'
import {SocketSource} from './socket-source.js'
import type {SessionSource} from './source.js'

export type {DashboardExit} from './app.js'
export type {SessionSource} from './source.js'

export interface RunDashboardOptions extends Omit<DashboardOptions, 'source'> {
  /** The session's control socket (from state.json / the lock). */
  socketPath?: string
  /** Or any other source of the session (tests). */
  source?: SessionSource
}

/** Runs the dashboard until the user detaches or quits, or the session ends. The terminal is always restored. */
export async function runDashboard(opts: RunDashboardOptions): Promise<DashboardExit> {
  const source = opts.source ?? (opts.socketPath ? new SocketSource(opts.socketPath) : undefined)
  if (!source) throw new Error('runDashboard needs the session socketPath (or a source)')
  const dashboard = new Dashboard({...opts, source})
  // Whatever happens, the terminal goes back to normal: an exception, a signal, or process.exit elsewhere.
  const restore = () => dashboard.destroy()
  const onSignal = () => {
    restore()
    process.exit(130)
  }
  process.once('exit', restore)
  process.once('SIGTERM', onSignal)
  process.once('SIGHUP', onSignal)
  try {
    return await dashboard.run()
  } finally {
    restore()
    process.off('exit', restore)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
  }
}
