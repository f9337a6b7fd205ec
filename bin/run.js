#!/usr/bin/env node
// Production entry: runs the compiled commands in dist/ (npm run build).
// `serve web|services` (what the supervisor spawns for the built-in servers) goes straight to the server
// without booting oclif: the same code as the oclif command, ready sooner. `start` (detached, or in the
// foreground without the dashboard), `stop`, `status`, `logs` and `restart` in their plain forms go through the
// fast path (src/cli/fast.ts, the same flag table and code as the oclif commands). Anything else, help
// included, is oclif's.
let served = false
const command = process.argv[2]
if (command === 'serve') {
  const {serveFromArgv} = await import('../dist/builtin/serve-main.js')
  served = await serveFromArgv(process.argv.slice(2))
} else if (['start', 'stop', 'status', 'logs', 'restart'].includes(command)) {
  const {runFast} = await import('../dist/cli/fast.js')
  served = await runFast(process.argv.slice(2))
}
if (!served) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
