/** A ready server whose probe starts failing becomes unhealthy, and ready again when it recovers. */
import {rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import {loadConfig} from '../../src/config/load.js'
import {buildPlan} from '../../src/config/plan.js'
import type {SessionEvent, UnitStatus} from '../../src/session/protocol.js'
import {type Session, startSession} from '../../src/session/session.js'
import {freePort, tempProject} from '../helpers/index.js'

// Healthy (200) unless a file named `sick` exists in its working directory.
const SERVER_JS = `
const fs = require('node:fs')
require('node:http').createServer((req, res) => {
  res.statusCode = fs.existsSync('sick') ? 500 : 200
  res.end()
}).listen(Number(process.env.PORT), '127.0.0.1')
`

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  delete process.env.NAACCORD_HEALTH_INTERVAL
})

it('marks a ready server unhealthy after repeated probe failures, then ready again', async () => {
  process.env.NAACCORD_HEALTH_INTERVAL = '100'
  const port = await freePort()
  const t = tempProject(
    `project: hw
servers:
  api:
    command: ${process.execPath}
    args: [server.js]
    port: ${port}
    ready: {http: {url: "{url}/"}, interval: 50ms}
`,
    {'server.js': SERVER_JS},
  )
  const plan = buildPlan(loadConfig({configPath: path.join(t.dir, 'naaccord.config.yaml'), noLocal: true}), {
    profiles: [],
  })
  const states: UnitStatus['state'][] = []
  const s: Session = await startSession(plan, {
    onEvent: (e: SessionEvent) => {
      if (e.type === 'unit' && e.unit.name === 'api' && states.at(-1) !== e.unit.state) states.push(e.unit.state)
    },
  })
  cleanups.push(async () => {
    await s.stop(1000)
    t.cleanup()
  })
  const until = async (state: UnitStatus['state']) => {
    const deadline = Date.now() + 15_000
    while (states.at(-1) !== state && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
    return states.at(-1)
  }
  expect(await until('ready')).toBe('ready')
  writeFileSync(path.join(t.dir, 'sick'), '')
  expect(await until('unhealthy')).toBe('unhealthy')
  rmSync(path.join(t.dir, 'sick'))
  expect(await until('ready')).toBe('ready')
  expect(states).toEqual(expect.arrayContaining(['starting', 'ready', 'unhealthy']))
})
