import path from 'node:path'
import {defineConfig} from 'vitest/config'

// The chaos suite: randomized, seeded, bounded rounds (npm run test:chaos). Seeds are printed; CHAOS_SEED replays.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    env: {NAACCORD_SELF_BIN: path.resolve('bin/run.js'), NO_COLOR: '1'},
    globalSetup: ['test/global-setup.ts'],
  },
})
