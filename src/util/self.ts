/**
 * How to run this naaccord again as a child process: `command: naaccord` in a config means "this naaccord",
 * the one running the supervisor, whether it runs from the build (bin/run.js) or from sources (bin/dev.js).
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The package root (the folder holding package.json, bin/, templates/). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export function selfCommand(): {file: string; args: string[]} {
  // NAACCORD_SELF_BIN pins the entry (the test suite points it at the build so children start fast).
  const pinned = process.env.NAACCORD_SELF_BIN
  if (pinned) {
    return pinned.endsWith('dev.js')
      ? {file: process.execPath, args: ['--import', 'tsx', '--no-warnings', pinned]}
      : {file: process.execPath, args: [pinned]}
  }
  const runningFromSources = import.meta.url.endsWith('.ts')
  const built = path.join(packageRoot, 'dist', 'commands')
  if (!runningFromSources && existsSync(built)) {
    return {file: process.execPath, args: [path.join(packageRoot, 'bin', 'run.js')]}
  }
  return {file: process.execPath, args: ['--import', 'tsx', '--no-warnings', path.join(packageRoot, 'bin', 'dev.js')]}
}
