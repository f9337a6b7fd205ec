/**
 * The flood: a child program printing `count` lines of exactly 100 bytes (with the newline) as fast as it can.
 * With a third argument it first waits for that file to exist, so the bench can start it when the viewer is ready.
 */
const FLOOD_BODY = `
const [tag, countText, goFile] = process.argv.slice(1)
const count = Number(countText)
const pad = 'x'.repeat(100)
let i = 0
function line(n) {
  const head = tag + ' ' + String(n).padStart(7, '0') + ' '
  return head + pad.slice(0, 99 - head.length) + '\\n'
}
function write() {
  while (i < count) {
    let chunk = ''
    for (let k = 0; k < 500 && i < count; k++) chunk += line(i++)
    if (!process.stdout.write(chunk)) return process.stdout.once('drain', write)
  }
}
if (!goFile) write()
else {
  const fs = require('node:fs')
  const timer = setInterval(() => {
    if (fs.existsSync(goFile)) {
      clearInterval(timer)
      write()
    }
  }, 10)
}
`

/** `node -e` arguments for one flooding process tagged `tag` (its lines start with it). */
export function floodArgs(tag: string, count: number): string[] {
  return ['-e', FLOOD_BODY, tag, String(count)]
}

/** The same program as a .cjs file: `node <file> <tag> <count> [goFile]`. */
export const FLOOD_FILE_SOURCE = `process.argv.splice(1, 1)\n${FLOOD_BODY}`
