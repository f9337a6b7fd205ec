/** The shared key: no key, wrong key, the seed's header, method before key, and the key never in a log line. */
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {apiKeyFromEnv, startServicesServer} from '../../src/builtin/index.js'
import {ROUTE_METHODS} from '../../src/builtin/routes-table.js'
import {tempDir} from '../helpers/index.js'
import {KEY, type Pair, startPair} from './helpers.js'

let pair: Pair
beforeAll(async () => {
  pair = await startPair()
})
afterAll(async () => {
  await pair?.close()
})

async function call(base: string, route: string, method: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(`/internal/storage/${route}`, base), {method, headers})
  return {status: res.status, allow: res.headers.get('allow'), text: await res.text()}
}

describe.each([
  ['services', () => pair.services.url],
  ['web', () => pair.web.url],
])('auth on %s', (_label, base) => {
  it('no key and a wrong key are 403 on every route', async () => {
    for (const [route, method] of Object.entries(ROUTE_METHODS)) {
      expect((await call(base(), route, method)).status, `${route} without a key`).toBe(403)
      expect((await call(base(), route, method, {'X-API-Key': `${KEY}x`})).status, `${route} wrong key`).toBe(403)
      expect((await call(base(), route, method, {'X-API-Key': KEY.slice(0, -1)})).status, `${route} prefix`).toBe(403)
    }
  })

  it("accepts X-API-Key and the seed's X-Internal-API-Key", async () => {
    for (const header of ['X-API-Key', 'X-Internal-API-Key']) {
      const r = await call(base(), 'health', 'GET', {[header]: KEY})
      expect(r.status, header).toBe(200)
      expect(JSON.parse(r.text).test_passed).toBe(true)
    }
  })

  it('a wrong method is 405 with Allow and an empty body, before the key is looked at', async () => {
    for (const [route, method] of Object.entries(ROUTE_METHODS)) {
      for (const wrong of [method === 'GET' ? 'POST' : 'GET', 'PUT', 'DELETE']) {
        const r = await call(base(), route, wrong)
        expect(r.status, `${wrong} ${route}`).toBe(405)
        expect(r.allow).toBe(method)
        expect(r.text).toBe('')
      }
    }
  })
})

describe('key handling', () => {
  it('the key never appears in either log', () => {
    expect(pair.servicesLog.length).toBeGreaterThan(0)
    expect(pair.webLog.length).toBeGreaterThan(0)
    for (const line of [...pair.servicesLog, ...pair.webLog]) expect(line).not.toContain(KEY)
    expect(pair.servicesLog.some((l) => /refused .*no X-API-Key header/.test(l))).toBe(true)
    expect(pair.servicesLog.some((l) => /refused .*wrong X-API-Key/.test(l))).toBe(true)
  })

  it('services with no key configured refuses every call, even one carrying a key, and says why', async () => {
    const t = tempDir()
    const lines: string[] = []
    const s = await startServicesServer({port: 0, storageRoot: path.join(t.dir, 'ws'), log: (l) => lines.push(l)})
    try {
      expect((await call(s.url, 'health', 'GET', {'X-API-Key': KEY})).status).toBe(403)
      expect(lines.some((l) => l.includes('no INTERNAL_API_KEY is configured'))).toBe(true)
    } finally {
      await s.close(100)
      t.cleanup()
    }
  })

  it('web relays with its own key: a caller with the right key reaches services', async () => {
    const r = await call(pair.web.url, 'list', 'GET', {'X-API-Key': KEY})
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text).success).toBe(true)
  })

  it('INTERNAL_API_KEY_FILE wins over INTERNAL_API_KEY when the file exists', () => {
    const t = tempDir()
    try {
      const file = path.join(t.dir, 'key')
      mkdirSync(t.dir, {recursive: true})
      writeFileSync(file, 'from-the-file-0123\n')
      expect(apiKeyFromEnv({INTERNAL_API_KEY: 'from-env', INTERNAL_API_KEY_FILE: file}).key).toBe('from-the-file-0123')
      expect(apiKeyFromEnv({INTERNAL_API_KEY: 'from-env', INTERNAL_API_KEY_FILE: `${file}.missing`}).key).toBe(
        'from-env',
      )
      expect(apiKeyFromEnv({}).key).toBeUndefined()
    } finally {
      t.cleanup()
    }
  })
})
