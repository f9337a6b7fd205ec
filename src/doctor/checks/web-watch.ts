/** While a session runs: the web server's watched folders are empty (the web role stores nothing, ever). */
import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import type {PlannedServer} from '../../config/plan.js'
import {type Check, type CheckResult, result} from '../types.js'

const ID = 'web-watch'
const SHOW = 5

/** Up to `limit` files below a folder (paths relative to it). */
export function filesBelow(dir: string, limit = 100): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(d, {withFileTypes: true})
    } catch {
      return
    }
    for (const e of entries) {
      if (out.length >= limit) return
      const full = path.join(d, e.name)
      if (e.isDirectory()) walk(full)
      else out.push(path.relative(dir, full))
    }
  }
  walk(dir)
  return out
}

export const webWatchCheck: Check = {
  id: ID,
  title: "Web's watched folders",
  needsConfig: true,
  async run(ctx) {
    const info = await ctx.session()
    if (info.state !== 'running') return result(ID, 'skip', "web's watched folders: no session is running")
    const webs = ctx.plan?.units.filter((u): u is PlannedServer => u.kind === 'server' && u.role === 'web') ?? []
    const out: CheckResult[] = []
    for (const web of webs) {
      const folders = [...new Set([...web.watch, ...(info.status?.watch ?? [])])]
      for (const folder of folders) {
        const files = existsSync(folder) ? filesBelow(folder) : []
        if (files.length === 0) {
          out.push(result(ID, 'ok', `${web.name}: ${folder} is empty`, {subject: folder}))
          continue
        }
        out.push(
          result(ID, 'error', `${web.name} wrote ${files.length >= 100 ? '100+' : files.length} file(s) to ${folder}`, {
            subject: folder,
            detail: [
              ...files.slice(0, SHOW),
              ...(files.length > SHOW ? [`… and ${files.length - SHOW} more`] : []),
              'the web role must stream every upload to services and store nothing',
            ],
          }),
        )
      }
    }
    return out.length > 0 ? out : result(ID, 'skip', 'no watched folders configured for web')
  },
}
