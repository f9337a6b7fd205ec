/**
 * runPager in a real terminal (tmux): a blessed screen (pager-host.ts) hands the terminal to a pager script and
 * takes it back. The pager records its arguments and what was typed to it; the host records its own keys and
 * the callback; the test reads both records and the screen.
 */
import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, expect, it, vi} from 'vitest'
import {repoRoot, tempDir} from '../helpers/index.js'
import {Tmux} from './tmux.js'

const tmux = new Tmux(100, 20)
const tmp = tempDir('nac-pager-')
afterAll(() => {
  tmux.kill()
  tmp.cleanup()
})

const record = path.join(tmp.dir, 'record')
const pagerScript = path.join(tmp.dir, 'pager.sh')
writeFileSync(
  pagerScript,
  `#!/bin/sh
printf 'PAGER-SAW'; for a in "$@"; do printf ' [%s]' "$a"; done; echo
cat "$@"
read line
echo "pager read $line" >> '${record}'
`,
)
chmodSync(pagerScript, 0o755)
const files = [path.join(tmp.dir, 'web one.log'), path.join(tmp.dir, 'services.log')]
writeFileSync(files[0], 'line from web\n')
writeFileSync(files[1], 'line from services\n')

const steps = () => (existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : [])
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

it('hands the terminal over (arguments intact, keys to the pager), then takes it back and redraws', async () => {
  const host = path.join(repoRoot, 'test', 'dashboard', 'pager-host.ts')
  tmux.start(
    'p',
    [process.execPath, '--import', 'tsx', host, record, `sh ${quote(pagerScript)}`, ...files].map(quote).join(' '),
    repoRoot,
  )
  await tmux.waitFor('p', (s) => s.includes('HOST-SCREEN ready'), 30_000)
  await vi.waitFor(() => expect(steps()).toEqual(['ready']), {timeout: 30_000, interval: 50})

  tmux.keys('p', 'p')
  const paging = await tmux.waitFor('p', (s) => s.includes('line from services'), 30_000)
  expect(paging).toContain(`PAGER-SAW [${files[0]}] [${files[1]}]`)
  expect(paging).toContain('line from web')
  expect(paging).not.toContain('HOST-SCREEN')

  // While the pager has the terminal, a key the host also binds reaches the pager only.
  tmux.type('p', 'kx')
  tmux.keys('p', 'Enter')
  await vi.waitFor(() => expect(steps()).toEqual(['ready', 'pager', 'pager read kx', 'back ok']), {
    timeout: 30_000,
    interval: 50,
  })
  await tmux.waitFor('p', (s) => s.includes('HOST-SCREEN back') && !s.includes('PAGER-SAW'), 30_000)

  // The host has its keys again, and can page a second time.
  tmux.keys('p', 'k')
  await tmux.waitFor('p', (s) => s.includes('HOST-SCREEN key k'), 30_000)
  tmux.keys('p', 'p')
  await tmux.waitFor('p', (s) => s.includes('PAGER-SAW'), 30_000)
  tmux.keys('p', 'Enter')
  await vi.waitFor(
    () =>
      expect(steps()).toEqual([
        'ready',
        'pager',
        'pager read kx',
        'back ok',
        'key k',
        'pager',
        'pager read ',
        'back ok',
      ]),
    {timeout: 30_000, interval: 50},
  )
  await tmux.waitFor('p', (s) => s.includes('HOST-SCREEN back'), 30_000)
  tmux.keys('p', 'q')
  await tmux.waitFor('p', (s) => s.includes('[exit 0]'), 30_000)
})
