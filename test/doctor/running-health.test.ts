/** A role's health call on the running session, and how a failed one is reported (the key never shown). */
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {healthFailed, runningHealth} from '../../src/doctor/checks/running.js'
import {getHealth} from '../../src/doctor/health.js'
import type {ConfiguredContext} from '../../src/doctor/types.js'

const KEY = 'a-services-key-that-must-not-show-0001'
let origin = ''
const server = createServer((req, res) => {
  // 500 to the right key only: a 403 would mean the call went without it.
  res.writeHead(req.headers['x-api-key'] === KEY ? 500 : 403, {'content-type': 'application/json'})
  res.end(JSON.stringify({error: `storage broken for key ${KEY}`}))
})
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const services = {kind: 'server', role: 'services', name: 'services', env: {INTERNAL_API_KEY: KEY}}
const ctx = (session: object, url?: string) =>
  ({
    env: {},
    plan: {units: [{...services, url}], apiKey: {value: KEY}},
    session: async () => session,
  }) as unknown as ConfiguredContext

it('skips when no session runs, or the session has no such server with a port', async () => {
  expect(await runningHealth(ctx({state: 'none'}), 'x', 'services health', 'services', 1000)).toEqual({
    id: 'x',
    status: 'skip',
    message: 'services health: no session is running',
  })
  expect(await runningHealth(ctx({state: 'running'}), 'x', 'web to services', 'web', 1000)).toMatchObject({
    status: 'skip',
    message: 'no web server with a port in this session',
  })
})

it("calls the running server's health with its key, and a failure names the server, why (masked) and the logs", async () => {
  const call = await runningHealth(
    ctx({state: 'running', status: {units: [{name: 'services', url: origin}]}}),
    'x',
    'services health',
    'services',
    5000,
  )
  if (!('health' in call)) throw new Error(`skipped: ${call.message}`)
  expect(call.where).toBe(`${origin}/internal/storage/health`)
  expect(call.health).toMatchObject({ok: false, status: 500})
  const r = healthFailed('services-health', 'is not healthy', call)
  expect(r).toMatchObject({id: 'services-health', status: 'error', detail: [call.where], fix: 'naaccord logs services'})
  expect(r.message).toMatch(/^services is not healthy \(HTTP 500: storage broken for key .+\)$/)
  expect(r.message).not.toContain(KEY)
})

it('a server that does not answer is reported by the transport error', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const health = await getHealth(url, KEY, 5000)
  const r = healthFailed('web-health', 'health call failed', {
    server: {unit: services as never, url, key: KEY},
    health,
    where: url,
  })
  expect(r.message).toBe('services health call failed (ECONNREFUSED)')
})
