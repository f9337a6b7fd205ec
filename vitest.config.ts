import path from 'node:path'
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers, processes and containers: generous per-test time, and files in parallel on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    env: {
      // Children spawned as `naaccord …` run the build (npm test builds first), not the sources through tsx.
      NAACCORD_SELF_BIN: path.resolve('bin/run.js'),
      NO_COLOR: '1',
    },
    globalSetup: ['test/global-setup.ts'],
  },
})
