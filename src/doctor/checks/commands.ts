/** Every server's command is found (on PATH or as given) and its working directory exists. */
import {existsSync, statSync} from 'node:fs'
import type {PlannedServer} from '../../config/plan.js'
import {which} from '../../util/which.js'
import {type Check, type CheckResult, result} from '../types.js'
import {virtualenvOf} from './django.js'

const ID = 'commands'

function checkServer(s: PlannedServer, env: NodeJS.ProcessEnv): CheckResult | undefined {
  const subject = s.name
  if (!existsSync(s.cwd) || !statSync(s.cwd).isDirectory())
    return result(ID, 'error', `${s.name}: working directory ${s.cwd} does not exist`, {
      subject,
      fix: `fix servers.${s.name}.cwd in the config (relative paths are relative to the config's folder)`,
    })
  const found = which(s.command, s.env.PATH ?? env.PATH, s.cwd)
  // A command inside a virtualenv is the Django/virtualenv check's: it says how to create or fill the venv.
  if (!found && virtualenvOf(s.command)) return undefined
  if (!found)
    return result(
      ID,
      'error',
      `${s.name}: command ${s.command.includes('/') ? s.command : `"${s.command}"`} not found${s.command.includes('/') ? ' or not executable' : ' on PATH'}`,
      {
        subject,
        detail: [`command: ${s.commandText}`, `cwd: ${s.cwd}`],
        fix: s.command.includes('/')
          ? undefined
          : `install ${s.command}, or give servers.${s.name}.command as a full path`,
      },
    )
  return result(ID, 'ok', `${s.name}: ${s.commandText.split(' ')[0]} found (${found})`, {
    subject,
    detail: [`command: ${s.commandText}`, `cwd: ${s.cwd}`],
  })
}

export const commandsCheck: Check = {
  id: ID,
  title: 'Server commands',
  needsConfig: true,
  async run(ctx) {
    const servers = ctx.plan?.units.filter((u): u is PlannedServer => u.kind === 'server') ?? []
    if (servers.length === 0) return result(ID, 'skip', 'no servers configured')
    const out = servers.map((s) => checkServer(s, ctx.env)).filter((r): r is CheckResult => r !== undefined)
    return out.length > 0 ? out : result(ID, 'skip', 'server commands: all run from a virtualenv (checked below)')
  },
}
