/**
 * Drives a program in a real terminal: a detached tmux session of a fixed size on a private tmux server, keys
 * with `send-keys`, the screen with `capture-pane -p` (what a person would see; `-e` keeps colours).
 */
import {execFileSync} from 'node:child_process'
import {rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

function socketFile(name: string): string {
  return path.join(process.env.TMUX_TMPDIR ?? os.tmpdir(), `tmux-${process.getuid?.() ?? 0}`, name)
}

export class Tmux {
  readonly socket = `nac-dash-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

  constructor(
    readonly width = 160,
    readonly height = 45,
  ) {}

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'})
  }

  /** Starts `command` (a shell line) in a new session; the pane stays after it exits so its last words can be read. */
  start(name: string, command: string, cwd: string, env: Record<string, string> = {}): void {
    const exports = Object.entries(env)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ')
    this.tmux([
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(this.width),
      '-y',
      String(this.height),
      '-c',
      cwd,
      `env -u NO_COLOR ${exports} ${command}; echo "[exit $?]"; sleep 600`,
    ])
  }

  keys(name: string, ...keys: string[]): void {
    this.tmux(['send-keys', '-t', name, ...keys])
  }

  /** Literal text (no key-name lookup). */
  type(name: string, text: string): void {
    this.tmux(['send-keys', '-t', name, '-l', text])
  }

  capture(name: string, colours = false): string {
    return this.tmux(['capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', name])
  }

  /** Polls the screen until `test` passes; throws with the last screen when it never does. */
  async waitFor(name: string, test: (screen: string) => boolean, timeoutMs = 8000, colours = false): Promise<string> {
    const end = Date.now() + timeoutMs
    let screen = ''
    while (Date.now() < end) {
      screen = this.capture(name, colours)
      if (test(screen)) return screen
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`the screen never matched within ${timeoutMs} ms; it showed:\n${screen}`)
  }

  resize(name: string, width: number, height: number): void {
    this.tmux(['resize-window', '-t', name, '-x', String(width), '-y', String(height)])
  }

  kill(): void {
    try {
      this.tmux(['kill-server'])
    } catch {
      // no server left
    }
    // tmux leaves its socket file behind.
    rmSync(socketFile(this.socket), {force: true})
  }
}
