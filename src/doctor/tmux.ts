/**
 * Is a process a leftover of a tmux session (the seed started its servers in tmux windows)? Walks the parent
 * chain to a tmux server, then asks that server which session the pane belongs to, for an exact
 * `tmux kill-session -t <name>` command.
 */
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {ancestry, readEnviron} from '../util/procfs.js'

const run = promisify(execFile)

export interface TmuxOwner {
  serverPid: number
  socket?: string
  session?: string
  /** The doctor runs inside that same session: the fix stops the pane, not the session. */
  ownSession: boolean
  /** The command that stops it: kill-session when the session is known, otherwise kill of the pane process. */
  stopCommand: string
}

/** `-L label` or `-S path` for a socket, nothing for the default one. */
function socketArgs(socket: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (!socket) return []
  const dir = path.join(env.TMUX_TMPDIR ?? '/tmp', `tmux-${os.userInfo().uid}`)
  if (path.dirname(socket) === dir) return path.basename(socket) === 'default' ? [] : ['-L', path.basename(socket)]
  return ['-S', socket]
}

/** The socket from the server's own command line (-L / -S), when the pane's TMUX variable is unreadable. */
function socketFromCmdline(serverPid: number, env: NodeJS.ProcessEnv): string | undefined {
  try {
    const argv = readFileSync(`/proc/${serverPid}/cmdline`, 'utf8').split('\0')
    const s = argv.indexOf('-S')
    if (s >= 0) return argv[s + 1]
    const l = argv.indexOf('-L')
    if (l >= 0) return path.join(env.TMUX_TMPDIR ?? '/tmp', `tmux-${os.userInfo().uid}`, argv[l + 1])
  } catch {}
  return undefined
}

export async function tmuxOwner(pid: number, env: NodeJS.ProcessEnv = process.env): Promise<TmuxOwner | undefined> {
  const chain = ancestry(pid)
  const at = chain.findIndex((p) => p.comm.startsWith('tmux'))
  if (at <= 0) return undefined
  const server = chain[at]
  const pane = chain[at - 1]
  // The pane's environment names the server's socket: TMUX=<socket>,<server pid>,<session index>.
  const socket = readEnviron(pane.pid).TMUX?.split(',')[0] || socketFromCmdline(server.pid, env)
  const args = socketArgs(socket, env)
  const panes = new Map<number, {id: string; session: string}>()
  try {
    const format = '#{pane_pid} #{pane_id} #{session_name}'
    const {stdout} = await run('tmux', [...args, 'list-panes', '-a', '-F', format], {timeout: 3000})
    for (const line of stdout.split('\n')) {
      const [panePid, id, ...name] = line.split(' ')
      if (id) panes.set(Number(panePid), {id, session: name.join(' ')})
    }
  } catch {}
  const mine = panes.get(pane.pid)
  const session = mine?.session
  // Never suggest killing the session the doctor itself runs in (a developer's own tmux): then just that pane.
  const ownSession = ancestry(process.pid).some((p) => panes.get(p.pid)?.session === session && session !== undefined)
  const quoted = session && /^[\w.:-]+$/.test(session) ? session : JSON.stringify(session)
  let stopCommand = `kill ${pane.pid}`
  if (mine && ownSession) stopCommand = ['tmux', ...args, 'kill-pane', '-t', mine.id].join(' ')
  else if (mine) stopCommand = ['tmux', ...args, 'kill-session', '-t', quoted].join(' ')
  return {serverPid: server.pid, socket, session, ownSession, stopCommand}
}
