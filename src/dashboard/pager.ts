/** Hands the terminal to a pager over some files, then takes it back and redraws (the `p` key). */
import {spawn} from 'node:child_process'
import type blessed from 'blessed'

/** Runs `command files…` in the terminal; `back` runs once the screen is the dashboard's again. */
export function runPager(
  screen: blessed.Widgets.Screen,
  command: string,
  files: string[],
  back: (error?: Error) => void,
): void {
  const program = screen.program
  program.clear()
  program.disableMouse()
  program.showCursor()
  program.normalBuffer()
  program.pause()
  const child = spawn('sh', ['-c', `${command} "$@"`, 'sh', ...files], {stdio: 'inherit'})
  const restore = (error?: Error) => {
    program.alternateBuffer()
    program.hideCursor()
    program.enableMouse()
    screen.alloc()
    screen.render()
    back(error)
  }
  child.on('error', (error) => restore(error))
  child.on('exit', () => {
    ;(program as unknown as {resume(): void}).resume?.()
    restore()
  })
}
