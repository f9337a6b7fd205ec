#!/usr/bin/env node
// Production entry: runs the compiled commands in dist/ (npm run build).
// `serve web|services` (what the supervisor spawns for the built-in servers) goes straight to the server
// without booting oclif: the same code as the oclif command, ready sooner. Anything else, help included, is oclif's.
// `start --detach` (its plain form) likewise spawns the supervisor without oclif: its start-up counts too.
let served = false
if (process.argv[2] === 'serve') {
  const {serveFromArgv} = await import('../dist/builtin/serve-main.js')
  served = await serveFromArgv(process.argv.slice(2))
} else if (process.argv[2] === 'start' && process.argv.some((a) => a === '--detach' || a === '-d')) {
  const {startDetachedFromArgv} = await import('../dist/session/start-fast.js')
  served = await startDetachedFromArgv(process.argv.slice(2))
}
if (!served) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
