/**
 * Remote pairs over HTTPS with mutual TLS, as the depot runs between its hosts: a throw-away CA (openssl) signs a
 * server and a client certificate; TLS proxies that demand a client certificate stand in front of the built-in pair.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {tempDir} from '../helpers/index.js'
import {cli} from './fixtures/cli.js'
import {type BuiltinPair, KEY, startBuiltinPair} from './fixtures/pair.js'
import {type RunningProxy, startProxy} from './fixtures/proxy.js'

const openssl = await execa('openssl', ['version'], {reject: false}).then(
  (r) => r.exitCode === 0,
  () => false,
)

const SCRIPT = `set -e
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 1 -subj /CN=nac-test-ca 2>/dev/null
for who in server client; do
  openssl req $ec -keyout $who.key -out $who.csr -subj /CN=127.0.0.1 2>/dev/null
  printf "subjectAltName=IP:127.0.0.1\\n" > $who.ext
  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 1 -extfile $who.ext 2>/dev/null
done`

describe.skipIf(!openssl)('https targets with mutual TLS (openssl not found: skipped)', () => {
  let pair: BuiltinPair
  let certs: ReturnType<typeof tempDir>
  const proxies: RunningProxy[] = []
  const file = (name: string) => path.join(certs.dir, name)

  beforeAll(async () => {
    certs = tempDir('nac-tls-')
    await execa('bash', ['-c', SCRIPT], {cwd: certs.dir})
    pair = await startBuiltinPair()
    const tls = {
      cert: readFileSync(file('server.pem'), 'utf8'),
      key: readFileSync(file('server.key'), 'utf8'),
      ca: readFileSync(file('ca.pem'), 'utf8'),
    }
    proxies.push(await startProxy(pair.services.url, {tls}), await startProxy(pair.web.url, {tls}))
  })
  afterAll(async () => {
    for (const p of proxies) await p.close()
    await pair?.close()
    certs?.cleanup()
  })
  const base = () => ['test-streaming', '--services-url', proxies[0].url, '--web-url', proxies[1].url, '--api-key', KEY]

  it('passes with --ca, --cert and --key', async () => {
    const res = await cli(
      [
        ...base(),
        '--ca',
        file('ca.pem'),
        '--cert',
        file('client.pem'),
        '--key',
        file('client.key'),
        '--only',
        'services-health',
        '--only',
        'web-roundtrip',
      ],
      {cwd: certs.dir},
    )
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`web ${proxies[1].url}`)
    expect(res.stdout.trim().split('\n').at(-1)).toBe('2 passed, 0 failed')
  })

  it('fails when the server demands a client certificate and none is given; --insecure is warned about', async () => {
    const res = await cli([...base(), '--insecure', '--only', 'services-health'], {cwd: certs.dir})
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('--insecure: server certificates are not checked')
    expect(res.stdout).toMatch(
      /✗ FAIL services-health \S+: 127\.0\.0\.1:\d+ requires a client certificate: pass --cert and --key/,
    )
  })

  it('fails against an unknown CA without --ca', async () => {
    const res = await cli(
      [...base(), '--cert', file('client.pem'), '--key', file('client.key'), '--only', 'services-health'],
      {cwd: certs.dir},
    )
    expect(res.exitCode).toBe(1)
    expect(res.stdout).toMatch(/✗ FAIL services-health .*SELF_SIGNED_CERT_IN_CHAIN.*not trusted; pass --ca/)
  })
})
