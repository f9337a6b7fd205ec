import {readFileSync} from 'node:fs'
import Docker from 'dockerode'
const docker = new Docker({socketPath: '/run/naaccord-engine/docker.sock'})
const pid = readFileSync('/run/naaccord-engine/podman-service.pid', 'utf8').trim()
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100 }
const c = await docker.createContainer({name: `nacexp${Date.now() % 100000}`, Image: 'localhost/naaccord-dev/redis:7'})
await c.start()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function measure(name: string, fn: () => Promise<() => void>) {
  await sleep(500)
  const a = cpu(); const stop = await fn(); await sleep(5000); stop(); const b = cpu()
  console.log(name, 'podman CPU over 5 s:', (b - a).toFixed(2))
}
await measure('idle', async () => () => {})
await measure('logs follow', async () => { const s: any = await c.logs({follow: true, stdout: true, stderr: true}); s.on('data', () => {}); return () => s.destroy() })
await measure('inspect/200ms', async () => { let on = true; (async () => { while (on) { await c.inspect(); await sleep(200) } })(); return () => { on = false } })
await measure('events', async () => { const s: any = await docker.getEvents({filters: {container: [c.id], event: ['die']}}); s.on('data', () => {}); return () => s.destroy() })
await measure('wait() (last)', async () => { c.wait().catch(() => {}); return () => {} })
await c.remove({force: true})
process.exit(0)
