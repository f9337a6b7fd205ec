/**
 * The dashboard in a real terminal (tmux), attached to a control socket whose units the test controls. What a
 * person would see is asserted from `tmux capture-pane`. The same screen on a real supervisor: e2e.test.ts.
 */
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {KEYS} from '../../src/dashboard/keys.js'
import {cliBin, repoRoot, tempDir} from '../helpers/index.js'
import {type FakeSession, fakeSession} from './fake-session.js'
import {Tmux} from './tmux.js'

const tmux = new Tmux(160, 45)
const tmp = tempDir('nac-dash-')
let session: FakeSession
let n = 0
const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

async function open(env: Record<string, string> = {}): Promise<string> {
  const name = `d${++n}`
  tmux.start(name, `${process.execPath} ${cliBin} dashboard --socket ${session.socketPath}`, repoRoot, env)
  // Attached once the session's status is in: before that, the list is empty and keys have nothing to select.
  await tmux.waitFor(name, (s) => s.includes('logs: all') && /web\s+web\s+ready/.test(s), 20_000)
  return name
}

beforeAll(async () => {
  session = await fakeSession(tmp.dir, [
    {name: 'services', role: 'services', pid: 4101, port: 18001},
    {name: 'web', role: 'web', pid: 4102, port: 18000},
  ])
  session.log('services', 'services listening')
  session.log('web', 'web listening')
})

afterEach(() => {
  // Leave no dashboards running between tests.
  for (let i = 1; i <= n; i++) {
    try {
      tmux.keys(`d${i}`, 'd')
    } catch {
      // already gone
    }
  }
})

afterAll(async () => {
  tmux.kill()
  await session.close()
  tmp.cleanup()
})

describe('dashboard screen (tmux, fake session socket)', () => {
  it('lists both servers ready and merges their logs with name prefixes', async () => {
    const name = await open()
    const screen = await tmux.waitFor(name, (s) => /services\s+services\s+ready\s+4101\s+18001/.test(s))
    expect(screen).toMatch(/web\s+web\s+ready\s+4102\s+18000\s+500ms\s+0/)
    expect(screen).toMatch(/services\s+│ services listening/)
    expect(screen).toMatch(/web\s+│ web listening/)
  })

  it('shows a new log line live, literally even with {bold} and }{, and keeps its colours', async () => {
    const name = await open()
    session.log('web', 'tricky {bold}not bold{/bold} }{ \x1b[32mgreen\x1b[0m {open}')
    const screen = await tmux.waitFor(name, (s) => s.includes('tricky'))
    expect(screen).toContain('tricky {bold}not bold{/bold} }{ green {open}')
    const coloured = tmux.capture(name, true)
    expect(coloured).toMatch(/\x1b\[32mgreen/)
    // The literal {bold} did not make anything bold.
    expect(coloured).not.toMatch(/\x1b\[1mnot bold/)
  })

  it("draws no colours under NO_COLOR, not even the log line's own", async () => {
    const name = await open({NO_COLOR: '1'})
    session.log('web', 'plain \x1b[31mred\x1b[0m text')
    const screen = await tmux.waitFor(name, (s) => s.includes('plain red text'), 8000, true)
    expect(screen).not.toMatch(/\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;\d+)m/)
    // Selection still shows, as inverse video.
    expect(screen).toMatch(/\x1b\[[0-9;]*7m/)
  })

  it('repairs a unit change whose event was lost, from the status it re-reads', async () => {
    const name = await open()
    session.updateSilently('services', {pid: 4999})
    await tmux.waitFor(name, (s) => /services\s+services\s+ready\s+4999\s/.test(s), 8000)
    session.updateSilently('services', {pid: 4101})
  })

  it('a selected process shows its latest lines even when the event stream has not brought them yet', async () => {
    const name = await open()
    session.logSilently('web', 'a line only the session has so far')
    expect(tmux.capture(name)).not.toContain('a line only the session has so far')
    tmux.keys(name, 'j')
    tmux.keys(name, 'j')
    const screen = await tmux.waitFor(name, (s) => s.includes('logs: web') && s.includes('a line only the session has'))
    expect(screen).toContain('web listening')
  })

  it('shows a pull’s layers below the log while it lasts, for the selected process and in the merged view', async () => {
    const name = await open()
    session.update('services', {
      progress: ['a2abf6c4d29d  Downloading  1.0 MB / 5.0 MB', '4044b9ba67c9  Already exists'],
    })
    await tmux.waitFor(name, (s) => /⇣ services\s+a2abf6c4d29d {2}Downloading {2}1\.0 MB \/ 5\.0 MB/.test(s))
    tmux.keys(name, 'j')
    const selected = await tmux.waitFor(name, (s) => s.includes('logs: services') && s.includes('4044b9ba67c9'))
    expect(selected).toContain('services listening')
    session.update('services', {progress: undefined})
    await tmux.waitFor(name, (s) => s.includes('logs: services') && !s.includes('a2abf6c4d29d'))
  })

  it('restarts the selected process and shows the new restart count', async () => {
    const name = await open()
    tmux.keys(name, 'j')
    tmux.keys(name, 'j')
    await tmux.waitFor(name, (s) => /logs: web/.test(s))
    tmux.keys(name, 'r')
    const screen = await tmux.waitFor(name, (s) => /web\s+web\s+ready\s+\d+\s+18000\s+500ms\s+1\s/.test(s))
    expect(session.actions).toContain('restart web')
    expect(screen).toContain('restart web: done')
  })

  it('highlights search matches and pauses following; End follows again', async () => {
    const name = await open()
    for (let i = 0; i < 5; i++) session.log('services', `request ${i} needle-${i}`)
    await tmux.waitFor(name, (s) => s.includes('needle-4'))
    tmux.keys(name, '/')
    tmux.type(name, 'needle-3')
    tmux.keys(name, 'Enter')
    const screen = await tmux.waitFor(name, (s) => /\x1b\[[0-9;]*7m\s*needle-3/.test(s), 5000, true)
    expect(screen).toContain('PAUSED')
    // The other needles are not matches.
    expect(screen).not.toMatch(/\x1b\[[0-9;]*7m\s*needle-2/)
    tmux.keys(name, 'End')
    await tmux.waitFor(name, (s) => s.includes('FOLLOW'))
  })

  it('filters to matching lines only', async () => {
    const name = await open()
    session.log('web', 'keep-me one')
    session.log('web', 'drop-me two')
    await tmux.waitFor(name, (s) => s.includes('drop-me two'))
    tmux.keys(name, '&')
    tmux.type(name, 'keep-me')
    tmux.keys(name, 'Enter')
    const screen = await tmux.waitFor(name, (s) => s.includes('filter "keep-me"'))
    expect(screen).toContain('keep-me one')
    expect(screen).not.toContain('drop-me two')
  })

  it('opens and closes the help overlay listing every key', async () => {
    const name = await open()
    tmux.keys(name, '?')
    const screen = await tmux.waitFor(name, (s) => s.includes('─ keys ─'))
    // Drawn from the key table, every row of it.
    for (const binding of KEYS)
      expect(screen).toMatch(new RegExp(`${escapeRe(binding.label)}\\s+${escapeRe(binding.help)}`))
    tmux.keys(name, 'Escape')
    await tmux.waitFor(name, (s) => !s.includes('─ keys ─'))
  })

  it('zooms the log pane full-screen with Enter', async () => {
    const name = await open()
    tmux.keys(name, 'Tab')
    tmux.keys(name, 'Enter')
    await tmux.waitFor(name, (s) => s.split('\n')[0].includes('logs: all') && !s.includes('ROLE'))
    tmux.keys(name, 'Enter')
    await tmux.waitFor(name, (s) => s.includes('ROLE'))
  })

  it('adapts to a resize', async () => {
    const name = await open()
    const before = await tmux.waitFor(name, (s) => s.split('\n')[0].trimEnd().length === 160)
    expect(before).toContain('ROLE')
    tmux.resize(name, 100, 30)
    const after = await tmux.waitFor(name, (s) => s.split('\n')[0].trimEnd().length === 100)
    expect(after.split('\n').length).toBeLessThanOrEqual(31)
    expect(after).toContain('logs: all')
  })

  it('detaches with d and leaves the session running', async () => {
    const name = await open()
    tmux.keys(name, 'd')
    const screen = await tmux.waitFor(name, (s) => s.includes('[exit 0]'))
    expect(screen).toContain('detached; the session keeps running')
    expect(session.actions).not.toContain('shutdown')
    // The terminal is back to normal: no leftover box drawing on the screen.
    expect(screen).not.toContain('┌')
  })

  it('quits with q after asking once, stopping the session', async () => {
    const name = await open()
    tmux.keys(name, 'q')
    await tmux.waitFor(name, (s) => s.includes('Stop the session and quit? (y/n)'))
    tmux.keys(name, 'n')
    await tmux.waitFor(name, (s) => s.includes('quit cancelled'))
    expect(session.actions).not.toContain('shutdown')
    tmux.keys(name, 'q')
    await tmux.waitFor(name, (s) => s.includes('(y/n)'))
    tmux.keys(name, 'y')
    // Each process's countdown until it is gone.
    await tmux.waitFor(name, (s) => /─ stopping ─/.test(s) && /web\s+stopping, \d/.test(s))
    const screen = await tmux.waitFor(name, (s) => s.includes('[exit 0]'))
    expect(session.actions).toContain('shutdown')
    expect(screen).toContain('the session has stopped')
  })
})
