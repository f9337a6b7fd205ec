/**
 * The web role: 50 concurrent uploads through /upload, the upload page, public /health, a services outage answered
 * with 502 within a second, and one request id followed across both logs.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startWebServer} from '../../src/builtin/index.js'
import {freePort} from '../helpers/index.js'
import {internal, KEY, type Pair, randomData, sha256, startPair, webUpload} from './helpers.js'

let pair: Pair
beforeAll(async () => {
  pair = await startPair()
})
afterAll(async () => {
  await pair?.close()
})

describe('web /upload', () => {
  it('50 concurrent uploads: every file stored with the right SHA-256', async () => {
    const files = Array.from({length: 50}, (_, i) => randomData(16 * 1024 + i * 7919))
    const results = await Promise.all(files.map((data, i) => webUpload(pair.web.url, data, `concurrent-${i}.bin`)))
    const api = internal(pair.web.url)
    for (const [i, r] of results.entries()) {
      expect(r.status, `upload ${i}`).toBe(200)
      expect(r.body).toMatchObject({success: true, size: files[i].length, sha256: sha256(files[i])})
      expect(r.body.path).toMatch(/^web-uploads\/\d{4}-\d\d-\d\d\/[0-9a-f]+$/)
      const stored = path.join(pair.root, 'uploads', r.body.path)
      expect(sha256(readFileSync(stored)), `stored file ${i}`).toBe(sha256(files[i]))
      expect(JSON.parse(readFileSync(`${stored}.meta`, 'utf8'))).toMatchObject({
        sha256: sha256(files[i]),
        original_filename: `concurrent-${i}.bin`,
        request_id: r.body.request_id,
      })
    }
    // And back through the relay, the way a client of web reads them.
    const back = await api.getRaw('download', {path: results[7].body.path, disk: 'uploads'})
    expect(sha256(back.bytes)).toBe(sha256(files[7]))
  })

  it('the request id is shared: web streams, services saves, both access lines carry it', async () => {
    const r = await webUpload(pair.web.url, randomData(1000), 'follow-me.csv')
    expect(r.status).toBe(200)
    const rid = r.body.request_id
    const tag = `[req ${rid}]`
    const web = pair.webLog.filter((l) => l.includes(tag))
    const services = pair.servicesLog.filter((l) => l.includes(tag))
    expect(web.some((l) => l.includes('Streaming to services server') && l.includes(pair.services.url))).toBe(true)
    expect(web.some((l) => /"POST \/upload HTTP\/1\.1" 200 \d+/.test(l))).toBe(true)
    expect(services.some((l) => l.includes('Internal API: file upload'))).toBe(true)
    expect(
      services.some((l) =>
        new RegExp(`Saved file to \\S*storage/workspace/uploads/web-uploads/[0-9-]+/${rid} `).test(l),
      ),
    ).toBe(true)
    expect(services.some((l) => /"POST \/internal\/storage\/upload HTTP\/1\.1" 200 \d+/.test(l))).toBe(true)
    expect(web[0]).toMatch(/^\[\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d\] /)
  })

  it('refuses a body without a file part, and a body that is not multipart, with 400', async () => {
    const fd = new FormData()
    fd.set('note', 'no file here')
    const noFile = await fetch(`${pair.web.url}/upload`, {method: 'POST', body: fd})
    expect(noFile.status).toBe(400)
    expect(((await noFile.json()) as {error: string}).error).toMatch(/file/i)
    const notForm = await fetch(`${pair.web.url}/upload`, {
      method: 'POST',
      body: 'x',
      headers: {'Content-Type': 'text/plain'},
    })
    expect(notForm.status).toBe(400)
    await notForm.arrayBuffer()
    const wrongMethod = await fetch(`${pair.web.url}/upload`)
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
  })

  it('answers a browser with an HTML page naming the path, size and SHA-256', async () => {
    const data = randomData(321)
    const fd = new FormData()
    fd.set('file', new Blob([data]), 'page.bin')
    const res = await fetch(`${pair.web.url}/upload`, {method: 'POST', body: fd, headers: {Accept: 'text/html'}})
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const html = await res.text()
    expect(html).toContain(sha256(data))
    expect(html).toContain('321 bytes')
  })
})

describe('web pages and health', () => {
  it('/ is a plain HTML form posting multipart to /upload, no JavaScript', async () => {
    const res = await fetch(`${pair.web.url}/`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toMatch(/<form method="post" action="\/upload" enctype="multipart\/form-data">/)
    expect(html).toMatch(/<input type="file" name="file"/)
    expect(html).not.toMatch(/<script/i)
  })

  it('/health is public and says services answers', async () => {
    const res = await fetch(`${pair.web.url}/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      status: 'ok',
      services: {url: pair.services.url, answering: true, test_passed: true},
    })
  })
})

describe('services down', () => {
  // Design target: under a second (a refused connection fails at once; the connect timeout is 800 ms). Asserted
  // without a clock: each answer names the refusal itself, not a connect timeout or retries.
  const refused = (error: string) => expect(error).toMatch(/ECONNREFUSED/)
  it('web answers 502 naming the services URL at once (no 18 s of retries); health says test_passed:false fast', async () => {
    const deadPort = await freePort()
    const deadUrl = `http://127.0.0.1:${deadPort}`
    const web = await startWebServer({port: 0, servicesUrl: deadUrl, apiKey: KEY, log: () => {}})
    try {
      const api = internal(web.url)
      const timed = async <T>(f: () => Promise<T>) => ({value: await f()})
      const up = await timed(() => webUpload(web.url, randomData(300_000)))
      expect(up.value.status).toBe(502)
      expect(up.value.body.error).toContain(deadUrl)
      refused(up.value.body.error)
      for (const call of [
        () => api.get('list'),
        () => api.get('download', {path: 'x', disk: 'uploads'}),
        () => api.post('delete', {path: 'x'}),
        () => api.form('upload', {path: 'x'}, {name: 'file', data: randomData(1000)}),
      ]) {
        const r = await timed(call)
        expect(r.value.status).toBe(502)
        expect(r.value.body).toMatchObject({services_url: deadUrl})
        expect(r.value.body.error).toContain(deadUrl)
        refused(r.value.body.error)
      }
      const health = await timed(() => api.get('health'))
      expect(health.value).toMatchObject({status: 200, body: {server_role: 'web', test_passed: false}})
      const pub = await fetch(`${web.url}/health`)
      expect(pub.status).toBe(503)
      expect(await pub.json()).toMatchObject({status: 'degraded', services: {url: deadUrl, answering: false}})
    } finally {
      await web.close(100)
    }
  })
})
