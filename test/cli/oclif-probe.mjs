// Preloaded (--import) into a CLI run: on exit, appends to $OCLIF_PROBE whether @oclif/core was loaded (it is
// CommonJS, so it shows in require.cache), telling the fast path from the oclif path.
import {appendFileSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
process.on('exit', () => {
  const loaded = Object.keys(require.cache).some((k) => k.includes('@oclif/core'))
  if (process.env.OCLIF_PROBE) appendFileSync(process.env.OCLIF_PROBE, loaded ? 'oclif\n' : 'fast\n')
})
