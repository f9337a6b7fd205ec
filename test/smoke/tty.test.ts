/** On a terminal (a real tmux pane): the table with ✓ / ! marks, aligned durations, and the summary line. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cliBin, tempDir} from '../helpers/index.js'
import {type BuiltinPair, KEY, startBuiltinPair} from './fixtures/pair.js'

const tmux = await execa('tmux', ['-V'], {reject: false}).then(
  (r) => r.exitCode === 0,
  () => false,
)

describe.skipIf(!tmux)('the table on a TTY (tmux not found: skipped)', () => {
  let pair: BuiltinPair
  const socket = `nac-smk-${process.pid}`
  const t = tempDir('nac-tty-')
  beforeAll(async () => {
    pair = await startBuiltinPair()
  })
  afterAll(async () => {
    await execa('tmux', ['-L', socket, 'kill-server'], {reject: false})
    await pair?.close()
    t.cleanup()
  })

  it('shows marks, durations and ends with the summary', async () => {
    const done = path.join(t.dir, 'done')
    const command = [
      process.execPath,
      cliBin,
      'test-streaming',
      '--web-url',
      pair.web.url,
      '--services-url',
      pair.services.url,
      '--only',
      'services-health',
      '--only',
      'legacy-header',
    ]
      .map((a) => `'${a}'`)
      .join(' ')
    await execa('tmux', [
      '-L',
      socket,
      'new-session',
      '-d',
      '-x',
      '160',
      '-y',
      '30',
      `NO_COLOR=1 INTERNAL_API_KEY=${KEY} ${command}; echo "exit=$?" > '${done}'; sleep 30`,
    ])
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      try {
        if (readFileSync(done, 'utf8').includes('exit=')) break
      } catch {}
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(readFileSync(done, 'utf8').trim()).toBe('exit=0')
    const {stdout: screen} = await execa('tmux', ['-L', socket, 'capture-pane', '-p'])
    expect(screen).toMatch(/^✓ services-health +\d+ms {2}healthy/m)
    expect(screen).toMatch(/^! legacy-header +\d+ms {2}X-Internal-API-Key accepted.*\(optional\)$/m)
    expect(screen).toMatch(/^1 passed, 0 failed$/m)
  })
})
