/**
 * `naaccord serve services` and `naaccord serve web` as the supervisor runs them: child processes configured by the
 * depot's env vars. The web server's working folder, temp folder and Django spool folder gain no file while an
 * upload is in flight or after; the key file wins over the env key; the key is never printed whole; SIGTERM ends
 * both with exit code 0 at once.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import {execa, type ResultPromise} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cliBin, freePort, tempDir} from '../helpers/index.js'
import {internal, multipartBody, randomData, sha256, tree, waitFor} from './helpers.js'

const FILE_KEY = 'key-from-the-file-0123456789'
const ENV_KEY = 'key-from-the-env-9876543210'

let t: {dir: string; cleanup: () => void}
let services: ResultPromise<{all: true; reject: false}>
let web: ResultPromise<{all: true; reject: false}>
let servicesOut = ''
let webOut = ''
let servicesUrl = ''
let webUrl = ''
let webDirs: string[] = []
let storageRoot = ''

beforeAll(async () => {
  t = tempDir('nac-cli-')
  const keyFile = path.join(t.dir, 'api-key')
  writeFileSync(keyFile, `${FILE_KEY}\n`)
  storageRoot = path.join(t.dir, 'project', 'storage', 'workspace')
  const webCwd = path.join(t.dir, 'web-cwd')
  const webTmp = path.join(t.dir, 'web-tmp')
  const webSpool = path.join(t.dir, 'web-spool')
  webDirs = [webCwd, webTmp, webSpool]
  for (const d of webDirs) mkdirSync(d, {recursive: true})
  const [sp, wp] = [await freePort(), await freePort()]
  servicesUrl = `http://127.0.0.1:${sp}`
  webUrl = `http://127.0.0.1:${wp}`
  const common = {INTERNAL_API_KEY: ENV_KEY, INTERNAL_API_KEY_FILE: keyFile, NO_COLOR: '1'}
  services = execa(process.execPath, [cliBin, 'serve', 'services', '--port', String(sp)], {
    all: true,
    reject: false,
    cwd: path.join(t.dir),
    env: {...common, SERVER_ROLE: 'services', NAS_WORKSPACE_PATH: storageRoot},
  })
  web = execa(process.execPath, [cliBin, 'serve', 'web', '--port', String(wp)], {
    all: true,
    reject: false,
    cwd: webCwd,
    env: {
      ...common,
      SERVER_ROLE: 'web',
      SERVICES_SERVER_URL: `${servicesUrl}/ignored/path`,
      TMPDIR: webTmp,
      TMP: webTmp,
      TEMP: webTmp,
      FILE_UPLOAD_TEMP_DIR: webSpool,
    },
  })
  services.all.on('data', (d: Buffer) => {
    servicesOut += d.toString()
  })
  web.all.on('data', (d: Buffer) => {
    webOut += d.toString()
  })
  await waitFor(
    () => servicesOut.includes('listening on') && webOut.includes('listening on'),
    60_000,
    'both servers to listen',
  )
})

afterAll(async () => {
  for (const child of [web, services]) if (child && child.exitCode === null) child.kill('SIGKILL')
  await Promise.allSettled([web, services])
  t?.cleanup()
})

const snapshot = () => webDirs.map((d) => tree(d))

/** A /upload whose body is sent in two halves, with a look at the web folders in between. */
function slowUpload(data: Buffer, between: () => void): Promise<{status: number; body: Record<string, unknown>}> {
  const {body, contentType} = multipartBody({}, {name: 'file', data})
  return new Promise((resolve, reject) => {
    const req = http.request(`${webUrl}/upload`, {
      method: 'POST',
      headers: {'Content-Type': contentType, 'Content-Length': String(body.length)},
    })
    req.on('error', reject)
    req.on('response', (res) => {
      let text = ''
      res.on('data', (d) => {
        text += d
      })
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: JSON.parse(text)}))
    })
    const half = Math.floor(body.length / 2)
    req.write(body.subarray(0, half), () => {
      setTimeout(() => {
        try {
          between()
        } catch (error) {
          req.destroy()
          reject(error)
          return
        }
        req.end(body.subarray(half))
      }, 200)
    })
  })
}

describe('serve services / serve web as child processes', () => {
  it('start with the key from INTERNAL_API_KEY_FILE (it wins) and print it masked only', async () => {
    expect((await internal(servicesUrl, FILE_KEY).get('health')).body.test_passed).toBe(true)
    expect((await internal(servicesUrl, ENV_KEY).get('health')).status).toBe(403)
    expect((await internal(webUrl, FILE_KEY).get('health')).body).toMatchObject({server_role: 'web', test_passed: true})
    expect(servicesOut).toContain('from INTERNAL_API_KEY_FILE')
    // SERVICES_SERVER_URL (the seed's name) is used as a bare origin.
    expect(webOut).toContain(`services ${servicesUrl},`)
  })

  it("web's working, temp and spool folders gain no file during or after uploads", async () => {
    const before = snapshot()
    const big = randomData(3 * 1024 * 1024)
    const r = await slowUpload(big, () => expect(snapshot()).toEqual(before))
    expect(r.status).toBe(200)
    expect(r.body.sha256).toBe(sha256(big))
    // The relayed internal routes, including a chunked upload and a download, stream through too.
    const api = internal(webUrl, FILE_KEY)
    expect((await api.form('upload', {path: 'cli/direct.bin'}, {name: 'file', data: big})).status).toBe(200)
    const init = await api.form('upload_chunked', {action: 'init', path: 'cli/chunked.bin'})
    for (const n of [0, 1]) {
      const c = await api.form(
        'upload_chunked',
        {action: 'chunk', upload_id: init.body.upload_id, chunk_num: String(n)},
        {name: 'chunk', data: big},
      )
      expect(c.status).toBe(200)
    }
    const done = await api.form('upload_chunked', {
      action: 'complete',
      upload_id: init.body.upload_id,
      total_chunks: '2',
    })
    expect(done.body.size).toBe(2 * big.length)
    expect(sha256((await api.getRaw('download', {path: 'cli/direct.bin', disk: 'uploads'})).bytes)).toBe(sha256(big))
    expect(snapshot()).toEqual(before)
  })

  it('a port already in use: exit 1 naming the port and what to do', async () => {
    const port = new URL(servicesUrl).port
    const r = await execa(process.execPath, [cliBin, 'serve', 'services', '--port', port, '--storage', storageRoot], {
      all: true,
      reject: false,
      env: {INTERNAL_API_KEY: FILE_KEY, NO_COLOR: '1'},
    })
    expect(r.exitCode).toBe(1)
    expect(r.all).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`))
    expect(r.all).not.toContain(FILE_KEY)
  })

  it('never prints the key whole', () => {
    for (const out of [servicesOut, webOut]) {
      expect(out).not.toContain(FILE_KEY)
      expect(out).not.toContain(ENV_KEY)
    }
  })

  it('SIGTERM: both exit 0 promptly (well inside any stop timeout, even on a loaded machine)', async () => {
    // A server that ignored SIGTERM would run past the test's own timeout: no wall-clock bound asserted here.
    web.kill('SIGTERM')
    services.kill('SIGTERM')
    const [w, s] = await Promise.all([web, services])
    expect(w.exitCode, webOut).toBe(0)
    expect(s.exitCode, servicesOut).toBe(0)
  })
})
