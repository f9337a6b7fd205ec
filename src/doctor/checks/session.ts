/**
 * A stale session: session files left by a supervisor that is gone (killed, crashed, machine slept), perhaps
 * with orphaned server groups still holding ports. `--fix` stops those orphans (only groups this project's
 * session recorded, checked against their launch time) and removes the lock, state and socket; logs stay.
 */
import {existsSync} from 'node:fs'
import {clearIfStale} from '../../session/client.js'
import {formatDuration} from '../../util/duration.js'
import {type Check, result} from '../types.js'

const ID = 'session'

export const sessionCheck: Check = {
  id: ID,
  title: 'Session',
  needsConfig: true,
  async run(ctx) {
    const info = await ctx.session()
    if (info.state === 'none') return result(ID, 'ok', 'no session is running')
    if (info.state === 'running') {
      const since = info.status?.startedAt ? ` for ${formatDuration(Date.now() - info.status.startedAt)}` : ''
      if (!info.socketAnswers)
        return result(
          ID,
          'warn',
          `a session is running (supervisor pid ${info.supervisorPid}) but its control socket does not answer`,
          {
            detail: [
              `${info.socketPath}: ${existsSync(info.socketPath) ? 'no answer to GET /status' : 'missing'}`,
              'stop, status and logs cannot reach the supervisor; on SIGTERM it stops its servers and exits',
            ],
            fix: `kill ${info.supervisorPid}`,
          },
        )
      return result(ID, 'ok', `a session is running (supervisor pid ${info.supervisorPid}${since})`, {
        detail: info.status?.units.map((u) => `${u.name}: ${u.state}${u.pid ? ` (pid ${u.pid})` : ''}`),
      })
    }
    const who = info.supervisorPid ? `supervisor pid ${info.supervisorPid} is gone` : 'no supervisor recorded'
    if (info.orphans.length > 0)
      return result(ID, 'error', `stale session: ${who} but ${info.orphans.length} of its server group(s) still run`, {
        detail: info.orphans.map((o) => `${o.unit}: process group ${o.pgid} (pids ${o.pids.join(' ')})`),
        fix: 'naaccord doctor --fix',
        fixable: true,
      })
    return result(ID, 'warn', `stale session files: ${who}`, {
      detail: info.leftovers,
      fix: 'naaccord doctor --fix',
      fixable: true,
    })
  },
  async fix(ctx) {
    // Read again inside: the state may have changed since the check ran; a running session is never touched.
    if (!ctx.plan) return []
    return clearIfStale(ctx.plan.stateDir)
  },
}
