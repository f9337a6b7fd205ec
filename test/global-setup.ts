import {existsSync} from 'node:fs'
import path from 'node:path'

/** `npm test` builds first (pretest); end-to-end tests spawn bin/run.js, which needs dist/. */
export default function setup(): void {
  if (!existsSync(path.resolve('dist/commands'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)')
  }
}
