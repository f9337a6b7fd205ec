import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {describe, expect, it} from 'vitest'
import {isPortFree} from '../../src/util/ports.js'
import {isGroupRunning, isRunning} from '../../src/util/proc.js'
import {freePort} from '../helpers/index.js'

describe('isRunning', () => {
  // Node is multi-threaded: its leader thread turns zombie while the others still exit with the sockets open.
  // "Not running" must mean "holds nothing", or a stop that waits on it finds the port still taken.
  it('stays true until a killed multi-threaded process has released its listening port', async () => {
    for (let i = 0; i < 8; i++) {
      const port = await freePort()
      const child = spawn(
        process.execPath,
        ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`],
        {detached: true, stdio: ['ignore', 'pipe', 'inherit']},
      )
      await once(child.stdout, 'data')
      const pid = child.pid as number
      expect(isRunning(pid)).toBe(true)
      process.kill(-pid, 'SIGTERM')
      while (isGroupRunning(pid)) await new Promise((r) => setImmediate(r))
      expect(isRunning(pid)).toBe(false)
      expect(await isPortFree(port)).toBe(true)
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
    }
  })

  it('is false for a pid that does not exist', () => {
    expect(isRunning(2 ** 22 + 1)).toBe(false)
  })
})
