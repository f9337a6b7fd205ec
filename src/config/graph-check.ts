/**
 * Checks that need the whole config: dependsOn names exist, no cycles, one server per depot role, web has a
 * services server to stream to, and no two servers share a port.
 */
import {didYouMean} from './errors.js'
import type {NaaccordConfig} from './schema.js'

export interface GraphIssue {
  path: (string | number)[]
  message: string
  keyOnly?: boolean
}

export function checkConfigGraph(config: NaaccordConfig): GraphIssue[] {
  const issues: GraphIssue[] = []
  const units = new Map<string, {section: 'servers' | 'dependencies'; dependsOn: Record<string, string>}>()
  for (const [name, dep] of Object.entries(config.dependencies))
    units.set(name, {section: 'dependencies', dependsOn: dep.dependsOn})
  for (const [name, server] of Object.entries(config.servers)) {
    if (units.has(name)) {
      issues.push({
        path: ['servers', name],
        keyOnly: true,
        message: `the name "${name}" is also a dependency; names must be unique: rename one of them`,
      })
    }
    units.set(name, {section: 'servers', dependsOn: server.dependsOn})
  }
  const names = [...units.keys()]
  for (const [name, unit] of units) {
    for (const target of Object.keys(unit.dependsOn)) {
      const path = [unit.section, name, 'dependsOn', target]
      if (target === name)
        issues.push({path, keyOnly: true, message: 'a process cannot depend on itself; remove this entry'})
      else if (!units.has(target)) {
        const hit = didYouMean(target, names)
        issues.push({
          path,
          keyOnly: true,
          message: `no server or dependency named "${target}"${hit ? `; did you mean "${hit}"?` : ''}`,
        })
      }
    }
  }
  // Cycles: depth-first search with colours.
  const colour = new Map<string, 'grey' | 'black'>()
  const stack: string[] = []
  const visit = (name: string): void => {
    if (colour.get(name) === 'black') return
    if (colour.get(name) === 'grey') {
      const cycle = [...stack.slice(stack.indexOf(name)), name]
      const unit = units.get(stack[stack.length - 1])!
      issues.push({
        path: [unit.section, stack[stack.length - 1], 'dependsOn'],
        message: `dependency cycle: ${cycle.join(' → ')}; remove one of these dependsOn entries`,
      })
      return
    }
    colour.set(name, 'grey')
    stack.push(name)
    for (const target of Object.keys(units.get(name)?.dependsOn ?? {}))
      if (units.has(target) && target !== name) visit(target)
    stack.pop()
    colour.set(name, 'black')
  }
  for (const name of names) visit(name)

  for (const role of ['web', 'services'] as const) {
    const holders = Object.entries(config.servers).filter(([, s]) => s.role === role)
    if (holders.length > 1) {
      for (const [name] of holders.slice(1)) {
        issues.push({
          path: ['servers', name, 'role'],
          message: `only one server may have role ${role}; "${holders[0][0]}" has it already: remove the role from one of them`,
        })
      }
    }
  }
  const web = Object.entries(config.servers).find(([, s]) => s.role === 'web')
  const services = Object.entries(config.servers).find(([, s]) => s.role === 'services')
  if (web && !services) {
    issues.push({
      path: ['servers', web[0], 'role'],
      message: 'role web streams to a services server, but no server has role services; add one (see `naaccord init`)',
    })
  }
  if (services && services[1].port === undefined) {
    issues.push({
      path: ['servers', services[0]],
      message: 'role services needs a port (web reaches it through SERVICES_URL)',
    })
  }
  const ports = new Map<number, string>()
  for (const [name, server] of Object.entries(config.servers)) {
    if (server.port === undefined) continue
    const other = ports.get(server.port)
    if (other)
      issues.push({
        path: ['servers', name, 'port'],
        message: `port ${server.port} is already used by server "${other}"; give each server its own port`,
      })
    else ports.set(server.port, name)
  }
  return issues
}
