/** The oclif flags of a command, built from the one flag table (flags.ts) the fast path parses with. */
import {Flags, type Interfaces} from '@oclif/core'
import {CONFIG_FLAG, type FlagSpec} from './flags.js'

/** The oclif flag type each kind of table entry becomes (so that commands read typed flags). */
type ToOclif<S> = S extends {type: 'boolean'}
  ? Interfaces.BooleanFlag<boolean>
  : S extends {type: 'integer'; default: number}
    ? Interfaces.OptionFlag<number>
    : S extends {type: 'integer'}
      ? Interfaces.OptionFlag<number | undefined>
      : S extends {multiple: true}
        ? Interfaces.OptionFlag<string[] | undefined>
        : Interfaces.OptionFlag<string | undefined>

function toOclif(spec: FlagSpec): unknown {
  // Only what the table sets: an explicit `default: undefined` or `char: undefined` is not the same to oclif.
  const common = {
    summary: spec.summary,
    ...(spec.char ? {char: spec.char as 'c'} : {}),
    ...(spec.helpGroup ? {helpGroup: spec.helpGroup} : {}),
  }
  const dflt = spec.default !== undefined ? {default: spec.default} : {}
  if (spec.type === 'boolean')
    return Flags.boolean({...common, ...(spec.allowNo ? {allowNo: true} : {}), ...(dflt as {default?: boolean})})
  if (spec.type === 'integer') return Flags.integer({...common, ...(dflt as {default?: number})})
  if (spec.multiple) return Flags.string({...common, multiple: true})
  return Flags.string(common)
}

/** oclif flag definitions for every entry of `table`. */
export function oclifFlags<T extends Record<string, FlagSpec>>(table: T): {[K in keyof T]: ToOclif<T[K]>} {
  return Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, toOclif(spec)])) as {
    [K in keyof T]: ToOclif<T[K]>
  }
}

export const oclifBaseFlags = oclifFlags(CONFIG_FLAG)
