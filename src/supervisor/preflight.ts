/**
 * Checks before anything starts: each server's command, working folder and probe URL make sense, and every
 * port is free. Each problem is one line naming the server and the field (or the port's holder).
 */
import {accessSync, constants, existsSync, statSync} from 'node:fs'
import path from 'node:path'
import type {Plan, PlannedServer} from '../config/plan.js'
import {findPortHolder, isPortFree} from '../util/ports.js'
import {readStat} from '../util/procfs.js'
import {which} from '../util/which.js'

export interface PreflightOptions {
  /** Process groups of this project's previous session (from its state file), to recognise its leftovers. */
  knownGroups?: {name: string; pgid: number}[]
}

export function checkServerInput(server: PlannedServer): string[] {
  const problems: string[] = []
  const at = `servers.${server.name}`
  if (!existsSync(server.cwd) || !statSync(server.cwd).isDirectory()) {
    problems.push(`${server.name}: ${at}.cwd: no such folder ${server.cwd}`)
  } else if (path.isAbsolute(server.command)) {
    if (!existsSync(server.command)) problems.push(`${server.name}: ${at}.command: no such file ${server.command}`)
    else if (statSync(server.command).isDirectory())
      problems.push(`${server.name}: ${at}.command: ${server.command} is a folder, not a program`)
    else {
      try {
        accessSync(server.command, constants.X_OK)
      } catch {
        problems.push(`${server.name}: ${at}.command: ${server.command} is not executable (chmod +x it)`)
      }
    }
  } else if (!which(server.command, server.env.PATH ?? process.env.PATH, server.cwd)) {
    problems.push(`${server.name}: ${at}.command: \`${server.command}\` was not found on PATH`)
  }
  const url = server.ready?.http?.url
  if (url !== undefined) {
    let ok = false
    try {
      const parsed = new URL(url)
      ok = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== ''
    } catch {}
    if (!ok) problems.push(`${server.name}: ${at}.ready.http.url: not an http(s) URL: ${JSON.stringify(url)}`)
  }
  return problems
}

export async function checkPorts(plan: Plan, options: PreflightOptions = {}): Promise<string[]> {
  const problems: string[] = []
  const servers = plan.units.filter((u): u is PlannedServer => u.kind === 'server' && u.port !== undefined)
  const results = await Promise.all(servers.map((s) => isPortFree(s.port!, s.host === '0.0.0.0' ? '0.0.0.0' : s.host)))
  servers.forEach((server, i) => {
    if (results[i]) return
    const holder = findPortHolder(server.port!)
    let line = `${server.name}: port ${server.port} is already in use`
    if (holder) {
      line += ` by pid ${holder.pid} (${holder.command})`
      const pgid = readPgid(holder.pid)
      const ours = options.knownGroups?.find((g) => g.pgid === pgid || g.pgid === holder.pid)
      if (ours) line += `; it is ${ours.name} of this project's previous session: \`naaccord stop\` stops it`
      else line += `; stop it (kill ${holder.pid}) or give ${server.name} another port (servers.${server.name}.port)`
    } else line += `; give ${server.name} another port (servers.${server.name}.port)`
    problems.push(line)
  })
  return problems
}

function readPgid(pid: number): number | undefined {
  return readStat(pid)?.pgid
}

/** Every input problem of the plan's servers, then every port problem. */
export async function preflight(plan: Plan, options: PreflightOptions = {}): Promise<string[]> {
  const input = plan.units.flatMap((u) => (u.kind === 'server' ? checkServerInput(u) : []))
  return [...input, ...(await checkPorts(plan, options))]
}
