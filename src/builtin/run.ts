/**
 * Running one built-in server in the foreground, as the supervisor spawns it: one startup line, then access logs;
 * SIGTERM or SIGINT closes it (in-flight requests get a moment) and the process exits 0.
 */
import {startMemoryGovernor} from './memory.js'
import type {RunningServer} from './server-util.js'

export function serveUntilSignalled(server: RunningServer, graceMs = 2000): Promise<void> {
  const stopGovernor = startMemoryGovernor()
  return new Promise((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(0)
      stopping = true
      process.stdout.write(`${signal}: shutting down\n`)
      server.close(graceMs).then(() => {
        stopGovernor()
        resolve()
      })
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}
