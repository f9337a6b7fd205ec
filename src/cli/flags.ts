/**
 * The flags of the commands that talk to a session (start, stop, status, logs, restart), in ONE table: the oclif
 * commands' flags are built from it (oclif-flags.ts), and bin/run.js's fast path parses argv with it
 * (parseFast) so that these commands reach the session without loading oclif. It imports nothing, so the fast
 * path's import graph stays small.
 *
 * parseFast takes only the plain forms (`--name value`, `--name=value`, `-c value`, `--no-x` for allowNo,
 * positionals where the command takes them) and returns undefined for anything else: help, an unknown flag, a
 * missing or odd value, `--`, bundled short flags. oclif then runs the command and says what is wrong.
 */

export interface FlagSpec {
  type: 'boolean' | 'string' | 'integer'
  char?: string
  summary: string
  multiple?: boolean
  default?: boolean | number
  allowNo?: boolean
  helpGroup?: string
}

/** Every command's --config (BaseCommand's baseFlags). */
export const CONFIG_FLAG = {
  config: {
    type: 'string',
    char: 'c',
    summary: 'Path to naaccord.config.yaml (default: NAACCORD_CONFIG, or the nearest one above the current folder).',
    helpGroup: 'GLOBAL',
  },
} as const satisfies Record<string, FlagSpec>

export const FLAGS = {
  start: {
    detach: {
      type: 'boolean',
      char: 'd',
      summary: 'Return once everything is ready; the supervisor keeps running in the background.',
    },
    only: {
      type: 'string',
      summary: 'Start only these units (and what they depend on). Repeatable or comma-separated.',
      multiple: true,
    },
    'no-deps': {type: 'boolean', summary: 'With --only: do not start what they depend on.'},
    profile: {
      type: 'string',
      summary: 'Enable units of this profile (e.g. docker). Repeatable or comma-separated.',
      multiple: true,
    },
    json: {
      type: 'boolean',
      summary: 'JSON lines: one event per line (starting, ready, exited, restarted, failed, stopped, log).',
    },
    dashboard: {
      type: 'boolean',
      summary: 'Open the dashboard when on a terminal (--no-dashboard: prefixed output).',
      default: true,
      allowNo: true,
    },
  },
  stop: {
    timeout: {
      type: 'string',
      summary: "Per unit: time between the stop signal and SIGKILL (e.g. 2s). Default: each unit's stop.timeout.",
    },
    json: {type: 'boolean', summary: 'One JSON object: stopped, notices, problems, ms.'},
  },
  status: {
    json: {type: 'boolean', summary: 'The session status as JSON ({running:false} when none).'},
  },
  logs: {
    follow: {type: 'boolean', char: 'f', summary: 'Keep printing new lines until Ctrl-C or the session ends.'},
    tail: {type: 'integer', char: 'n', summary: 'Lines per unit from the end (default 200).', default: 200},
    since: {type: 'string', summary: 'Only lines newer than this: a duration (5m) or an ISO time.'},
    json: {type: 'boolean', summary: 'JSON lines: {unit, stream, line, ts}.'},
  },
  restart: {
    wait: {type: 'boolean', summary: 'Wait until it is ready again.', default: true, allowNo: true},
    json: {type: 'boolean', summary: 'The unit status afterwards, as JSON.'},
  },
} as const satisfies Record<string, Record<string, FlagSpec>>

export type FastCommand = keyof typeof FLAGS

/** How many positionals each command takes: none, exactly one, or any number. */
const POSITIONALS: Record<FastCommand, 'none' | 'one' | 'any'> = {
  start: 'none',
  stop: 'none',
  status: 'none',
  logs: 'any',
  restart: 'one',
}

export type FlagValues = Record<string, boolean | string | number | string[]>

export interface FastParse {
  command: FastCommand
  flags: FlagValues
  /** Positionals, in order. */
  args: string[]
}

function isCommand(name: string | undefined): name is FastCommand {
  return name !== undefined && Object.hasOwn(FLAGS, name)
}

/** argv without the node and script paths (`stop --json`); undefined for anything oclif should handle. */
export function parseFast(argv: readonly string[]): FastParse | undefined {
  const command = argv[0]
  if (!isCommand(command)) return undefined
  const specs: Record<string, FlagSpec> = {...CONFIG_FLAG, ...FLAGS[command]}
  const byChar = new Map<string, string>()
  for (const [name, spec] of Object.entries(specs)) if (spec.char) byChar.set(spec.char, name)
  const flags: FlagValues = {}
  const args: string[] = []
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('-')) {
      args.push(arg)
      continue
    }
    let name: string | undefined
    let inline: string | undefined
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      name = eq > 0 ? arg.slice(2, eq) : arg.slice(2)
      inline = eq > 0 ? arg.slice(eq + 1) : undefined
    } else if (arg.length === 2) name = byChar.get(arg[1])
    if (!name) return undefined
    let spec = specs[name] as FlagSpec | undefined
    let negated = false
    if (!spec && name.startsWith('no-')) {
      const positive = specs[name.slice(3)] as FlagSpec | undefined
      if (positive?.allowNo) {
        spec = positive
        name = name.slice(3)
        negated = true
      }
    }
    if (!spec) return undefined
    if (spec.type === 'boolean') {
      if (inline !== undefined) return undefined
      flags[name] = !negated
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined || value === '' || value.startsWith('-')) return undefined
    if (spec.type === 'integer') {
      if (!/^\d+$/.test(value)) return undefined
      flags[name] = Number(value)
    } else if (spec.multiple) flags[name] = [...((flags[name] as string[] | undefined) ?? []), value]
    else if (name in flags) return undefined
    else flags[name] = value
  }
  const takes = POSITIONALS[command]
  if (takes === 'none' ? args.length > 0 : takes === 'one' ? args.length !== 1 : false) return undefined
  for (const [n, spec] of Object.entries(specs))
    if (spec.default !== undefined && !(n in flags)) flags[n] = spec.default as boolean | number
  return {command, flags, args}
}

/** `--only a,b --only c` → [a, b, c]; undefined when none. */
export function splitList(values: readonly string[] | undefined): string[] | undefined {
  const out = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
  return out.length > 0 ? out : undefined
}
