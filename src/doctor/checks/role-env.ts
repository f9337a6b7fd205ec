/**
 * The role environment: web's SERVICES_URL points at the services server's host and port (a bare origin: the
 * depot drops any path), and SERVER_ROLE is set, lower case, for each role (the depot's defaults disagree).
 */
import type {PlannedServer} from '../../config/plan.js'
import {type CheckResult, type ConfiguredContext, result} from '../types.js'
import {configuredCheck} from './configured.js'

const ID = 'role-env'

function sameHost(a: string, b: string): boolean {
  const local = (h: string) => (['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0', '::'].includes(h) ? 'local' : h)
  return local(a) === local(b)
}

function checkServicesUrl(ctx: ConfiguredContext, web: PlannedServer, services?: PlannedServer): CheckResult[] {
  const out: CheckResult[] = []
  const subject = `${web.name}.SERVICES_URL`
  const value = web.env.SERVICES_URL ?? web.env.SERVICES_SERVER_URL ?? ctx.env.SERVICES_URL
  if (!services) {
    return [
      result(ID, value ? 'warn' : 'error', `${web.name} (web) has no services server in the config`, {
        subject,
        detail: [value ? `SERVICES_URL=${value} (set by hand, not checked)` : 'SERVICES_URL is unset'],
        fix: `add a server with role: services to ${ctx.plan.configFile}`,
      }),
    ]
  }
  if (!value)
    return [
      result(ID, 'error', `${web.name} (web) gets no SERVICES_URL`, {subject, fix: `give ${services.name} a port`}),
    ]
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return [result(ID, 'error', `${web.name}: SERVICES_URL=${value} is not a URL`, {subject})]
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  if (port !== services.port || !sameHost(url.hostname, services.host))
    out.push(
      result(
        ID,
        'error',
        `${web.name}: SERVICES_URL=${value} does not point at ${services.name} (${services.host}:${services.port})`,
        {
          subject,
          fix: `remove SERVICES_URL from the config: naaccord derives it from servers.${services.name}`,
        },
      ),
    )
  else if (url.pathname !== '/' && url.pathname !== '')
    out.push(
      result(ID, 'warn', `${web.name}: SERVICES_URL=${value} has a path, which the depot drops`, {
        subject,
        fix: `use the bare origin ${url.origin}`,
      }),
    )
  else out.push(result(ID, 'ok', `${web.name}: SERVICES_URL=${value} points at ${services.name}`, {subject}))
  const second = web.env.SERVICES_SERVER_URL
  if (second && web.env.SERVICES_URL && second !== web.env.SERVICES_URL)
    out.push(
      result(
        ID,
        'warn',
        `${web.name}: SERVICES_SERVER_URL=${second} differs from SERVICES_URL=${web.env.SERVICES_URL}`,
        {
          subject: `${web.name}.SERVICES_SERVER_URL`,
          fix: 'remove SERVICES_SERVER_URL from the config',
        },
      ),
    )
  return out
}

function checkServerRole(ctx: ConfiguredContext, s: PlannedServer): CheckResult | undefined {
  const subject = `${s.name}.SERVER_ROLE`
  const value = s.env.SERVER_ROLE
  const raw = ctx.loaded.config.servers[s.name]?.env.SERVER_ROLE
  if (s.role) {
    if (value !== s.role)
      return result(ID, 'error', `${s.name}: SERVER_ROLE=${value ?? '(unset)'}, expected ${s.role}`, {subject})
    if (raw !== undefined && raw !== s.role)
      return result(
        ID,
        'warn',
        `${s.name}: servers.${s.name}.env.SERVER_ROLE=${raw} is ignored (role: ${s.role} wins)`,
        {
          subject,
          fix: `remove servers.${s.name}.env.SERVER_ROLE from the config`,
        },
      )
    return result(ID, 'ok', `${s.name}: SERVER_ROLE=${value}`, {subject})
  }
  if (value !== undefined && value !== value.toLowerCase())
    return result(ID, 'error', `${s.name}: SERVER_ROLE=${value} must be lower case (the depot compares it as is)`, {
      subject,
      fix: `write SERVER_ROLE: ${value.toLowerCase()} in the config`,
    })
  return undefined
}

export const roleEnvCheck = configuredCheck({
  id: ID,
  title: 'Role environment',
  async run(ctx) {
    const servers = ctx.plan.units.filter((u): u is PlannedServer => u.kind === 'server')
    const services = servers.find((s) => s.role === 'services')
    const out: CheckResult[] = []
    for (const s of servers) {
      const role = checkServerRole(ctx, s)
      if (role) out.push(role)
      if (s.role === 'web') out.push(...checkServicesUrl(ctx, s, services))
    }
    if (services && !servers.some((s) => s.role === 'web'))
      out.push(result(ID, 'warn', `no web server in the config: ${services.name} has no client`, {subject: 'web'}))
    return out.length > 0 ? out : result(ID, 'skip', 'role environment: no web or services server configured')
  },
})
