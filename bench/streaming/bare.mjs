/**
 * The streaming benchmark's reference chain: the least any Node servers could do on paths (a) and (b), so the
 * figures say how much of the gap to the raw copy is the servers' and how much is loopback TCP between processes.
 *
 *   node bare.mjs sink <file>        accept one connection at a time, write what it sends to <file>, fsync, answer "ok"
 *   node bare.mjs relay <sink port>  accept connections and pipe each, unchanged, to the sink
 *
 * No HTTP, no multipart, no hash: bytes in, bytes out. Each prints its port on stdout once listening.
 */
import {createWriteStream} from 'node:fs'
import {open} from 'node:fs/promises'
import net from 'node:net'
import {pipeline} from 'node:stream/promises'

const [role, arg] = process.argv.slice(2)

function listen(server) {
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
}

if (role === 'sink') {
  listen(
    net.createServer({allowHalfOpen: true}, async (socket) => {
      await pipeline(socket, createWriteStream(arg))
      // fsync through a second descriptor: it flushes the file's data all the same.
      const handle = await open(arg, 'r+')
      await handle.sync()
      await handle.close()
      socket.end('ok')
    }),
  )
} else if (role === 'relay') {
  listen(
    net.createServer({allowHalfOpen: true}, (socket) => {
      const up = net.connect({port: Number(arg), host: '127.0.0.1', allowHalfOpen: true})
      socket.pipe(up)
      up.pipe(socket)
    }),
  )
} else {
  console.error('usage: node bare.mjs sink <file> | relay <sink port>')
  process.exit(2)
}
