/**
 * The base of every command that reads the project's config: the shared --config flag, one place that turns a
 * ConfigError into a clean, located message and exit code 1, and NO_COLOR handling.
 */
import {Command, Flags} from '@oclif/core'
import chalk from 'chalk'
import {ConfigError, configProblemsHeadline} from '../config/errors.js'
import {type LoadedConfig, loadConfig} from '../config/load.js'

if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Path to naaccord.config.yaml (default: NAACCORD_CONFIG, or the nearest one above the current folder).',
      helpGroup: 'GLOBAL',
    }),
  }

  /** Loads the config named by --config / NAACCORD_CONFIG / the nearest naaccord.config.yaml. */
  protected loadProjectConfig(configPath: string | undefined, options: {noLocal?: boolean} = {}): LoadedConfig {
    return loadConfig({configPath, noLocal: options.noLocal})
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error instanceof ConfigError) {
      this.logToStderr(chalk.red(configProblemsHeadline(error.issues.length)))
      for (const line of error.message.split('\n')) this.logToStderr(`  ${line}`)
      this.exit(1)
    }
    return super.catch(error)
  }
}
