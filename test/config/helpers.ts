/** Helpers for the config tests: load a YAML text from a throw-away project and look at the located issues. */
import path from 'node:path'
import {expect} from 'vitest'
import {ConfigError, type ConfigIssue} from '../../src/config/errors.js'
import {type LoadedConfig, type LoadOptions, loadConfig} from '../../src/config/load.js'
import {tempProject} from '../helpers/index.js'

export interface TextOptions {
  /** Other files in the project folder, e.g. {'naaccord.local.yaml': '…', '.env': '…'}. */
  files?: Record<string, string>
  env?: Record<string, string | undefined>
  noLocal?: boolean
}

/** A small valid config: web and services with ports. Line numbers in tests are computed from the text itself. */
export const BASE = `project: p
apiKey: k0123456789
servers:
  services:
    role: services
    command: naaccord
    port: 8001
  web:
    role: web
    command: naaccord
    port: 8000
    dependsOn: {services: ready}
`

/** Runs fn with a temp project holding the text; the folder is removed afterwards, whatever happens. */
export function withProject<T>(yaml: string, files: Record<string, string>, fn: (dir: string) => T): T {
  const project = tempProject(yaml, files)
  try {
    return fn(project.dir)
  } finally {
    project.cleanup()
  }
}

export function loadText(yaml: string, options: TextOptions = {}): LoadedConfig {
  return withProject(yaml, options.files ?? {}, (dir) =>
    loadConfig({cwd: dir, env: options.env ?? {}, noLocal: options.noLocal}),
  )
}

/** Loads and expects a ConfigError; returns its issues with file names relative to the project folder. */
export function issuesOf(load: (dir: string) => unknown, yaml: string, files: Record<string, string> = {}) {
  return withProject(yaml, files, (dir) => {
    let caught: unknown
    try {
      load(dir)
    } catch (error) {
      caught = error
    }
    expect(caught, 'expected the loader to throw a ConfigError').toBeInstanceOf(ConfigError)
    return (caught as ConfigError).issues.map((i) => ({...i, file: path.relative(dir, i.file) || '.'}))
  })
}

/** The issues of loading a config text (no overlay unless given in files), formatted `file:line:col path: message`. */
export function errorsFor(yaml: string, options: TextOptions = {}): string[] {
  const load = (dir: string) => loadConfig({cwd: dir, env: options.env ?? {}, noLocal: options.noLocal})
  return issuesOf(load, yaml, options.files).map(format)
}

export function format(i: ConfigIssue): string {
  const where = i.line === undefined ? i.file : `${i.file}:${i.line}:${i.column}`
  return i.path ? `${where} ${i.path}: ${i.message}` : `${where}: ${i.message}`
}

/**
 * `file:line:col` of the n-th occurrence (0-based) of needle in text, counted by hand so that the tests do not
 * trust the loader's own position arithmetic.
 */
export function at(file: string, text: string, needle: string, nth = 0): string {
  let offset = -1
  for (let i = 0; i <= nth; i++) {
    offset = text.indexOf(needle, offset + 1)
    if (offset < 0) throw new Error(`${JSON.stringify(needle)} not found ${nth + 1} time(s) in the test's text`)
  }
  const before = text.slice(0, offset).split('\n')
  return `${file}:${before.length}:${before[before.length - 1].length + 1}`
}

export const CFG = 'naaccord.config.yaml'
export const LOCAL = 'naaccord.local.yaml'
export type {LoadOptions}
