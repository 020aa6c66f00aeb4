/**
 * The shape of a `patch-depot` command as the one parser, the one help printer and the one error
 * reporter see it. A command declares its options (with help text and defaults), its arguments,
 * what is required and examples; the parser turns every mistake against that declaration into
 * a usage error (exit 2) before the command runs, so no command checks its own flags.
 */
import type { CommandContext } from '../cli-context.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given more than once; the command gets an array. */
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in usage and help: FILE, ADDR, N. */
  arg?: string;
  help: string;
  /** What applies when the option is not given, as help shows it. */
  default?: string;
  /** Must be given (`{ unless }`: unless that other option is). */
  required?: true | { unless: string };
  /** Checks each value before the command runs; returns what is wrong with it. */
  check?: (value: string) => string | undefined;
}

export interface ArgSpec {
  name: string;
  help: string;
  required?: boolean;
}

export interface CommandSpec {
  summary: string;
  /** Longer explanation for `--help`, one paragraph. */
  details?: string;
  options?: Record<string, OptionSpec>;
  /** Arguments after the command (or subcommand); anything beyond them is a usage error. */
  args?: ArgSpec[];
  /** At least one of these options must be given (named together when none is). */
  anyOf?: string[];
  /** Words a technician may type for this subcommand (`list`, `show` for `status`): answered with "did you mean". */
  meantBy?: string[];
  /** Whole command lines a technician can copy; shown under `--help`. */
  examples?: string[];
  /** Reads settings and state: takes --data-dir and --config (and the help lists them). */
  usesDataDir?: boolean;
  /**
   * Works on the daemon's state: the data directory must be one the daemon has run on (it holds
   * state.json). Any other (a typo, a home directory) is a usage mistake, exit 2, and nothing is
   * made there: not an empty site shown, nor a stray SSH key, host file or state.json left behind.
   */
  needsState?: boolean;
  /** Holds the data directory's lock while it runs (`serve` holds it in app.ts). */
  locksDataDir?: boolean;
  subcommands?: Record<string, CommandSpec>;
  /** Exit code, or undefined to keep running (the daemon). Absent on a command with subcommands. */
  run?: (ctx: CommandContext) => Promise<number | undefined>;
}

export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const;

const levels = ['debug', 'info', 'warn', 'error'];

/** What every command takes; the data-dir ones only where the command reads settings or state. */
export const dataDirOptions: Record<string, OptionSpec> = {
  'data-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'state, host files and the cache',
    default: '$PATCH_DEPOT_DATA_DIR, else $STATE_DIRECTORY, else ./.data',
  },
  config: {
    type: 'string',
    arg: 'FILE',
    help: 'JSON settings file',
    default: 'DATA_DIR/config.json when it exists',
  },
  'log-level': {
    type: 'string',
    arg: 'LEVEL',
    help: 'debug, info, warn or error',
    default: 'info for serve, warn for the other commands; $PATCH_DEPOT_LOG_LEVEL sets it too',
    check: (v) => (levels.includes(v) ? undefined : 'expected debug, info, warn or error'),
  },
};

export const generalOptions: Record<string, OptionSpec> = {
  debug: { type: 'boolean', help: 'on an error, print its stack trace and causes' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

/** The options a command (or subcommand) accepts: its own, then the common ones. */
export const optionsOf = (spec: CommandSpec): Record<string, OptionSpec> => ({
  ...spec.options,
  ...(spec.usesDataDir ? dataDirOptions : {}),
  ...generalOptions,
});

/** `--name ARG`, as usage and messages show an option. */
export const optionLabel = (name: string, o: OptionSpec): string =>
  `--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;

/** A whole number from `min` (to `max`), for checks. */
export const wholeNumber =
  (min: number, max?: number, what = 'a whole number') =>
  (v: string): string | undefined => {
    const n = Number(v);
    if (/^\d+$/.test(v) && Number.isSafeInteger(n) && n >= min && n <= (max ?? n)) return undefined;
    return `expected ${what} ${max === undefined ? `of ${min} or more` : `from ${min} to ${max}`}`;
  };

/** `--json` as most commands take it. */
export const json: OptionSpec = { type: 'boolean', help: 'print JSON instead of a table' };
