/** Resolves a command the way spawn will: a path as given, otherwise the first executable match on PATH. */
import {accessSync, constants, statSync} from 'node:fs'
import path from 'node:path'

export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function which(command: string, pathVar: string | undefined, cwd: string): string | undefined {
  if (command.includes('/')) {
    const file = path.resolve(cwd, command)
    return isExecutableFile(file) ? file : undefined
  }
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue
    const file = path.join(dir, command)
    if (isExecutableFile(file)) return file
  }
  return undefined
}
