/**
 * naaccord's own web and services servers: wire-compatible with the depot's internal storage API
 * (/work/shared/contract/internal-storage-api.md), node:http only, so they start fast and run with nothing but Node.
 */
export {apiKeyFromEnv, servicesUrlFromEnv, storageRootFromEnv} from './env.js'
export type {LogSink} from './log.js'
export type {RunningServer} from './server-util.js'
export {type RunningServicesServer, type ServicesServerOptions, startServicesServer} from './services/server.js'
export {type RunningWebServer, startWebServer, type WebServerOptions} from './web/server.js'
