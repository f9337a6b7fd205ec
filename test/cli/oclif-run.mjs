// The oclif path on its own: what bin/run.js does for a command the fast path leaves to oclif, for any argv.
import {execute} from '@oclif/core'

await execute({dir: new URL('../../bin/run.js', import.meta.url).href})
