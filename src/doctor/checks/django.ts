/**
 * The depot's Python servers (`.venv/bin/python manage.py runserver …`, `.venv/bin/celery …`): their virtualenv
 * exists and has each command, and manage.py is in the working directory of every server that runs it. Reported
 * once per virtualenv and once per folder, with what to do (the generic command check leaves these to this one).
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import type {PlannedServer} from '../../config/plan.js'
import {isExecutableFile} from '../../util/which.js'
import {type Check, type CheckResult, result} from '../types.js'

const ID = 'django'

/** `/x/.venv/bin/python` → `/x/.venv`: a command inside a virtualenv's bin/ (by pyvenv.cfg or by its name). */
export function virtualenvOf(command: string): string | undefined {
  if (!command.includes('/')) return undefined
  const bin = path.dirname(command)
  if (path.basename(bin) !== 'bin') return undefined
  const venv = path.dirname(bin)
  return existsSync(path.join(venv, 'pyvenv.cfg')) || /(^|[._-])venv$|^env$/.test(path.basename(venv))
    ? venv
    : undefined
}

function names(servers: PlannedServer[]): string {
  return servers.map((s) => s.name).join(', ')
}

function checkVirtualenv(venv: string, servers: PlannedServer[], root: string): CheckResult[] {
  const subject = `venv:${venv}`
  const python = ['python', 'python3'].map((p) => path.join(venv, 'bin', p)).find(isExecutableFile)
  if (!python) {
    const rel = path.relative(root, venv) || '.'
    return [
      result(ID, 'error', `the virtualenv ${venv} is missing (${names(servers)} run from it)`, {
        subject,
        detail: [existsSync(venv) ? `${venv} exists but has no bin/python` : `no folder ${venv}`],
        fix: `cd ${root} && python3 -m venv ${rel} && ${rel}/bin/pip install -r requirements.txt`,
      }),
    ]
  }
  const missing = servers.filter((s) => !isExecutableFile(s.command))
  if (missing.length > 0)
    return missing.map((s) =>
      result(ID, 'error', `${s.name}: ${path.basename(s.command)} is not installed in the virtualenv ${venv}`, {
        subject: s.name,
        fix: `${path.join(venv, 'bin', 'pip')} install -r requirements.txt`,
      }),
    )
  return [result(ID, 'ok', `virtualenv ${venv} has what ${names(servers)} run`, {subject})]
}

function checkManagePy(cwd: string, servers: PlannedServer[]): CheckResult {
  const subject = `manage.py:${cwd}`
  if (existsSync(path.join(cwd, 'manage.py')))
    return result(ID, 'ok', `manage.py is in ${cwd} (${names(servers)})`, {subject})
  return result(ID, 'error', `manage.py is not in ${cwd} (${names(servers)} run it)`, {
    subject,
    fix: `put naaccord.config.yaml in the depot's repository root (beside manage.py), or set servers.<name>.cwd to it`,
  })
}

export const djangoCheck: Check = {
  id: ID,
  title: 'Django and virtualenv',
  needsConfig: true,
  async run(ctx) {
    const servers = ctx.plan?.units.filter((u): u is PlannedServer => u.kind === 'server') ?? []
    const venvs = new Map<string, PlannedServer[]>()
    const manage = new Map<string, PlannedServer[]>()
    for (const s of servers) {
      const venv = virtualenvOf(s.command)
      if (venv) venvs.set(venv, [...(venvs.get(venv) ?? []), s])
      if (s.args.includes('manage.py')) manage.set(s.cwd, [...(manage.get(s.cwd) ?? []), s])
    }
    if (venvs.size === 0 && manage.size === 0)
      return result(ID, 'skip', 'no Django or virtualenv servers in the config')
    const root = ctx.plan?.root ?? ctx.cwd
    return [
      ...[...venvs].flatMap(([venv, users]) => checkVirtualenv(venv, users, root)),
      ...[...manage].map(([cwd, users]) => checkManagePy(cwd, users)),
    ]
  },
}
