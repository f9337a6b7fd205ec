/**
 * `npm run bench`: every benchmark, one after another (never in parallel: they measure side by side within
 * one run, and two at once would skew each other). Each prints its own figures; nothing here asserts a time.
 *
 *   npm run bench                      # all, with the sizes each one defaults to
 *   npm run bench -- streaming session # just these
 *   npm run bench -- --quick           # smaller inputs, for a fast look
 */
import path from 'node:path'
import {execa} from 'execa'

const quick = process.argv.includes('--quick')
const BENCHES: Record<string, {file: string; args: string[]; quickArgs: string[]; needsEngine?: boolean}> = {
  config: {file: 'config/load.ts', args: [], quickArgs: ['50']},
  streaming: {
    file: 'streaming/index.ts',
    args: ['--sizes', '64MiB,512MiB,2GiB'],
    quickArgs: ['--sizes', '64MiB,256MiB'],
  },
  session: {file: 'session/index.ts', args: [], quickArgs: []},
  'test-streaming': {file: 'test-streaming/index.ts', args: [], quickArgs: ['--size', '64MiB']},
  doctor: {file: 'doctor/parallel.ts', args: [], quickArgs: ['3']},
  dashboard: {file: 'dashboard/index.ts', args: [], quickArgs: []},
  deps: {file: 'deps/start.ts', args: [], quickArgs: [], needsEngine: true},
}

const picked = process.argv.slice(2).filter((a) => !a.startsWith('--'))
for (const name of picked) {
  if (!(name in BENCHES)) throw new Error(`no benchmark named ${name} (have: ${Object.keys(BENCHES).join(', ')})`)
}
const names = picked.length > 0 ? picked : Object.keys(BENCHES)
let failed = 0
for (const name of names) {
  const bench = BENCHES[name]
  if (bench.needsEngine && !process.env.DOCKER_HOST) {
    console.log(
      `\n=== ${name}: skipped (needs a container engine: set DOCKER_HOST, e.g. from ../shared/engine/setup-container-engine.sh)`,
    )
    continue
  }
  console.log(`\n=== ${name} (bench/${bench.file})`)
  const result = await execa(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, bench.file), ...(quick ? bench.quickArgs : bench.args)],
    {
      stdio: 'inherit',
      reject: false,
    },
  )
  if (result.exitCode !== 0) {
    failed++
    console.log(`=== ${name}: exited ${result.exitCode}`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
