/**
 * The bench relay in a process of its own (as the real supervisor is), so the bench's polling of tmux never slows
 * it. Prints one JSON line {socketPath, logFiles} when listening, then "finished" when every log file is complete.
 *   node --import tsx bench/dashboard/relay-main.ts <dir> <lines> <tag>…
 */
import {startRelay} from './relay.js'

const [dir, lines, ...tags] = process.argv.slice(2)
const relay = await startRelay(dir, tags, Number(lines))
process.stdout.write(`${JSON.stringify({socketPath: relay.socketPath, logFiles: relay.logFiles})}\n`)
await relay.finished
process.stdout.write('finished\n')
process.on('SIGTERM', () => {
  relay.close().finally(() => process.exit(0))
})
