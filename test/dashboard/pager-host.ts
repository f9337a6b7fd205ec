/**
 * A minimal blessed screen for pager.test.ts, run in tmux: `p` hands the terminal to runPager, `k` and `q` are
 * the screen's own keys. Each step is appended to the record file, so the test sees the order of events.
 * Usage: node --import tsx pager-host.ts RECORD PAGER-COMMAND FILE…
 */
import {appendFileSync} from 'node:fs'
import blessed from 'blessed'
import {runPager} from '../../src/dashboard/pager.js'

const [record, command, ...files] = process.argv.slice(2)
const note = (line: string) => appendFileSync(record, `${line}\n`)
const screen = blessed.screen({smartCSR: true})
const box = blessed.box({parent: screen, top: 0, left: 0, width: '100%', height: 3, content: 'HOST-SCREEN ready'})
screen.key('p', () => {
  note('pager')
  runPager(screen, command, files, (error) => {
    note(`back ${error ? error.message : 'ok'}`)
    box.setContent('HOST-SCREEN back')
    screen.render()
  })
})
screen.key('k', () => {
  note('key k')
  box.setContent('HOST-SCREEN key k')
  screen.render()
})
screen.key('q', () => {
  screen.destroy()
  process.exit(0)
})
screen.render()
note('ready')
