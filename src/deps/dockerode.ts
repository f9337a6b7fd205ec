/**
 * dockerode, loaded without the two parts a session rarely needs: docker-modem's ssh transport (the ssh2 library)
 * and dockerode's BuildKit session (gRPC and its proto loader). Loading them took 140–190 ms of the detached
 * supervisor's start-up, which is added to start-to-ready, for an engine on a unix socket that never uses them.
 *
 * Each is a module that exports one function. Before dockerode is required, its entry in require's cache is
 * filled with a function that loads the real module on its first call and hands over to it, so an
 * `ssh://` DOCKER_HOST and BuildKit builds work as before: they pay for the load when they are used.
 */
import {createRequire, Module} from 'node:module'
import type DockerType from 'dockerode'

const requireHere = createRequire(import.meta.url)
const dockerodeMain = requireHere.resolve('dockerode')
const fromDockerode = createRequire(dockerodeMain)
const fromModem = createRequire(fromDockerode.resolve('docker-modem'))

/** The files replaced until first use (exported for the test that checks they still export one function). */
export const LAZY_MODULES = [fromModem.resolve('./ssh.js'), fromDockerode.resolve('./session.js')]

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown

function deferUntilCalled(file: string): void {
  if (requireHere.cache[file]) return
  let real: AnyFunction | undefined
  const placeholder = new Module(file)
  placeholder.filename = file
  placeholder.exports = function (this: unknown, ...args: unknown[]) {
    if (!real) {
      delete requireHere.cache[file]
      real = requireHere(file) as AnyFunction
    }
    return real.apply(this, args)
  }
  placeholder.loaded = true
  requireHere.cache[file] = placeholder
}

for (const file of LAZY_MODULES) deferUntilCalled(file)

const Docker = requireHere(dockerodeMain) as typeof DockerType
export default Docker
