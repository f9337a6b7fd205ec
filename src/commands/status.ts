import path from 'node:path'
import {Flags} from '@oclif/core'
import chalk from 'chalk'
import {BaseCommand} from '../cli/base.js'
import {STATE_DIR} from '../config/plan.js'
import {findRunningSession} from '../session/client.js'
import type {UnitStatus} from '../session/protocol.js'
import {formatDuration} from '../util/duration.js'

const STATE_COLOUR: Record<string, (s: string) => string> = {
  ready: chalk.green,
  starting: chalk.yellow,
  pending: chalk.yellow,
  restarting: chalk.yellow,
  unhealthy: chalk.red,
  failed: chalk.red,
  exited: chalk.red,
}

export default class Status extends BaseCommand {
  static override summary = "Show this project's session: each unit's state, pid, port, readiness, restarts and uptime."
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json']
  static override flags = {
    json: Flags.boolean({summary: 'The session status as JSON ({running:false} when none).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const loaded = this.loadProjectConfig(flags.config)
    const notices: string[] = []
    const found = await findRunningSession(path.join(loaded.root, STATE_DIR), (n) => notices.push(n))
    if (flags.json) {
      this.log(
        JSON.stringify(found?.status ? {running: true, ...found.status, notices} : {running: false, notices}, null, 2),
      )
      return
    }
    for (const n of notices) this.log(`naaccord: ${n}`)
    if (!found?.status) {
      this.log(`naaccord: no session is running for ${loaded.file} (\`naaccord start\` starts one)`)
      this.exit(3)
    }
    const s = found.status
    this.log(
      `session ${s.project}: ${s.state}, supervisor pid ${s.supervisorPid}, up ${formatDuration(Date.now() - s.startedAt)}`,
    )
    this.log(renderTable(s.units))
    // Docker dependencies (src/deps): the engine in use and each container's health.
    const deps = s.units.filter((u) => u.kind === 'dependency')
    if (deps.length > 0) {
      this.log(`\nengine: ${s.engine ?? '-'}`)
      for (const u of deps)
        this.log(
          `  ${u.name}: container ${u.containerId?.slice(0, 12) ?? '-'}, ${u.image ?? '-'}, health ${u.health ?? 'none'}`,
        )
    }
  }
}

export function renderTable(units: UnitStatus[]): string {
  const now = Date.now()
  const rows = [
    ['NAME', 'ROLE', 'STATE', 'PID', 'PORT', 'READY', 'RESTARTS', 'UPTIME'],
    ...units.map((u) => [
      u.name,
      u.role ?? u.kind,
      u.state,
      u.pid ? String(u.pid) : '-',
      u.port ? String(u.port) : '-',
      u.readyMs !== undefined ? formatDuration(u.readyMs) : '-',
      String(u.restarts),
      u.startedAt && u.pid ? formatDuration(now - u.startedAt) : '-',
    ]),
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const lines = rows.map((r, ri) =>
    r
      .map((cell, i) => {
        const padded = cell.padEnd(widths[i])
        return ri > 0 && i === 2 ? (STATE_COLOUR[cell] ?? ((x: string) => x))(padded) : padded
      })
      .join('  ')
      .trimEnd(),
  )
  const messages = units.filter((u) => u.message && u.state !== 'ready').map((u) => `  ${u.name}: ${u.message}`)
  return [...lines, ...messages].join('\n')
}
