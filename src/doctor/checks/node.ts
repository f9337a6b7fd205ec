/** Node version: naaccord needs what package.json's engines field says. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {packageRoot} from '../../util/self.js'
import {type Check, result} from '../types.js'

function required(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {engines?: {node?: string}}
    return pkg.engines?.node ?? '>=20'
  } catch {
    return '>=20'
  }
}

/** Compares "20.19.1" with a ">=X.Y[.Z]" range (the only form engines uses here). */
export function satisfies(version: string, range: string): boolean {
  const want = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range.trim())
  if (!want) return true
  const have = version.replace(/^v/, '').split('.').map(Number)
  const need = [Number(want[1]), Number(want[2] ?? 0), Number(want[3] ?? 0)]
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i]
  }
  return true
}

export const nodeCheck: Check = {
  id: 'node',
  title: 'Node version',
  needsConfig: false,
  async run() {
    const range = required()
    if (satisfies(process.version, range)) return result('node', 'ok', `Node ${process.version} (needs ${range})`)
    return result('node', 'error', `Node ${process.version} is too old: naaccord needs ${range}`, {
      fix: 'nvm install 20 && nvm use 20',
    })
  },
}
