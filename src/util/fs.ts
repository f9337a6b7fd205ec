import {closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync} from 'node:fs'
import path from 'node:path'

/**
 * Writes a file so that readers see the old content or the new, never half: temp file, fsync, rename. Without
 * `durable` it skips the fsync: still whole or absent for readers and after a kill of the writer, only not across
 * a crash of the machine (for runtime state such as state.json, whose processes a crash ends anyway).
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o644, durable = true): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`)
  const fd = openSync(temp, 'w', mode)
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content)
    if (durable) fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    rmSync(temp, {force: true})
    throw error
  }
  closeSync(fd)
  renameSync(temp, file)
}

/** Appends the entries that .gitignore lacks; returns the ones it added. */
export function addToGitignore(dir: string, entries: string[]): string[] {
  const file = path.join(dir, '.gitignore')
  const current = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const lines = new Set(current.split(/\r?\n/).map((l) => l.trim()))
  const missing = entries.filter((e) => !lines.has(e) && !lines.has(`/${e}`) && !lines.has(e.replace(/\/$/, '')))
  if (missing.length === 0) return []
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`
  writeFileAtomic(file, `${prefix}${current === '' ? '' : '\n'}# naaccord\n${missing.join('\n')}\n`)
  return missing
}
