/**
 * The base of every command that reads the project's config: the shared --config flag, one place that turns a
 * ConfigError into a clean, located message and exit code 1, and NO_COLOR handling.
 */
import {Command} from '@oclif/core'
import chalk from 'chalk'
import {ConfigError, configProblemsHeadline} from '../config/errors.js'
import {type LoadedConfig, loadConfig} from '../config/load.js'
import {applyNoColor} from '../session/output.js'
import {oclifBaseFlags} from './oclif-flags.js'
import {CommandError} from './session-commands.js'

applyNoColor()

export abstract class BaseCommand extends Command {
  static override baseFlags = oclifBaseFlags

  /** Loads the config named by --config / NAACCORD_CONFIG / the nearest naaccord.config.yaml. */
  protected loadProjectConfig(configPath: string | undefined, options: {noLocal?: boolean} = {}): LoadedConfig {
    return loadConfig({configPath, noLocal: options.noLocal})
  }

  /** Runs a body shared with the fast path (session-commands.ts): its CommandError reported as usual, its code the exit code. */
  protected async runShared(body: () => Promise<number>): Promise<void> {
    let code: number
    try {
      code = await body()
    } catch (error) {
      if (error instanceof CommandError) this.error(error.message, {exit: error.exit})
      throw error
    }
    if (code !== 0) this.exit(code)
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
