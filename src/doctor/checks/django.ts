/**
 * A Django server (`.venv/bin/python manage.py runserver …`): the virtualenv's python exists and manage.py is in
 * the server's working directory. The generic command check says "not found"; this one says what to do about it.
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import type {PlannedServer} from '../../config/plan.js'
import {type Check, type CheckResult, result} from '../types.js'
import {isExecutableFile} from '../which.js'

const ID = 'django'

export function isDjangoServer(s: PlannedServer): boolean {
  return s.args.includes('manage.py') || /(^|\/)python[\d.]*$/.test(s.command)
}

/** `/x/.venv/bin/python` → `/x/.venv`, when the command is a python inside a virtualenv's bin/. */
export function virtualenvOf(command: string): string | undefined {
  if (!command.includes('/') || !/(^|\/)python[\d.]*$/.test(command)) return undefined
  const bin = path.dirname(command)
  if (path.basename(bin) !== 'bin') return undefined
  const venv = path.dirname(bin)
  return existsSync(path.join(venv, 'pyvenv.cfg')) || /(^|[._-])venv$|^env$/.test(path.basename(venv))
    ? venv
    : undefined
}

function checkServer(s: PlannedServer): CheckResult[] {
  const out: CheckResult[] = []
  const subject = s.name
  const venv = virtualenvOf(s.command)
  if (venv) {
    const rel = path.relative(s.cwd, venv) || '.'
    if (!isExecutableFile(s.command))
      out.push(
        result(ID, 'error', `${s.name}: the virtualenv's python ${s.command} is missing`, {
          subject: `${s.name}:venv`,
          detail: [existsSync(venv) ? `${venv} exists but has no python` : `no virtualenv at ${venv}`],
          fix: `cd ${s.cwd} && python3 -m venv ${rel} && ${rel}/bin/pip install -r requirements.txt`,
        }),
      )
  }
  if (s.args.includes('manage.py') && !existsSync(path.join(s.cwd, 'manage.py')))
    out.push(
      result(ID, 'error', `${s.name}: manage.py is not in ${s.cwd}`, {
        subject: `${s.name}:manage.py`,
        fix: `set servers.${s.name}.cwd to the depot's repository root (the folder holding manage.py)`,
      }),
    )
  if (out.length === 0)
    out.push(result(ID, 'ok', `${s.name}: ${venv ? `virtualenv ${venv} and ` : ''}manage.py are in place`, {subject}))
  return out
}

export const djangoCheck: Check = {
  id: ID,
  title: 'Django servers',
  needsConfig: true,
  async run(ctx) {
    const servers = ctx.plan?.units.filter((u): u is PlannedServer => u.kind === 'server' && isDjangoServer(u)) ?? []
    if (servers.length === 0) return result(ID, 'skip', 'no Django servers in the config')
    return servers.flatMap(checkServer)
  },
}
