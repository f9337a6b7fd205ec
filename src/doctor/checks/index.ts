/** The registry: every check, in the order the report prints them (they run in parallel). */
import type {Check} from '../types.js'
import {apiKeyCheck} from './api-key.js'
import {commandsCheck} from './commands.js'
import {configCheck} from './config.js'
import {djangoCheck} from './django.js'
import {dotenvCheck} from './dotenv.js'
import {engineCheck} from './engine.js'
import {imagesCheck} from './images.js'
import {nasPathsCheck} from './nas-paths.js'
import {nodeCheck} from './node.js'
import {portsCheck} from './ports.js'
import {roleEnvCheck} from './role-env.js'
import {servicesHealthCheck} from './services-health.js'
import {sessionCheck} from './session.js'
import {storageCheck} from './storage.js'
import {webHealthCheck} from './web-health.js'
import {webWatchCheck} from './web-watch.js'

export const checks: Check[] = [
  nodeCheck,
  configCheck,
  dotenvCheck,
  engineCheck,
  imagesCheck,
  sessionCheck,
  portsCheck,
  apiKeyCheck,
  roleEnvCheck,
  commandsCheck,
  djangoCheck,
  storageCheck,
  nasPathsCheck,
  servicesHealthCheck,
  webHealthCheck,
  webWatchCheck,
]
