/** The flood: a child program printing `count` lines of exactly 100 bytes (with the newline) as fast as it can. */
export const FLOOD_SOURCE = `
const [tag, countText] = process.argv.slice(1)
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
write()
`

/** `node -e` arguments for one flooding process tagged `tag` (its lines start with it). */
export function floodArgs(tag: string, count: number): string[] {
  return ['-e', FLOOD_SOURCE, tag, String(count)]
}
