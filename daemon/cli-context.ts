/**
 * What every `patch-depot` command gets from the command line: its parsed flags, and the config
 * and logger, made on demand (a command that fails on its flags never reads a config file).
 * Commands import this, never main.ts: the entry point imports them.
 */
import type { Config, LoadConfigOptions } from './config.js';
import type { Logger, LogLevel } from './log.js';

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  /** The command's own flags (and the common ones), parsed and checked against its table. */
  values: FlagValues;
  /** The subcommand first (for commands that have them), then the command's arguments. */
  positionals: string[];
  config: () => Config;
  /** How `config()` reads its sources: serve's settings page writes the same file. */
  configSource: LoadConfigOptions;
  /** The daemon's logger (stdout: journald or the terminal). */
  log: (config: Config) => Logger;
  /**
   * A one-shot command's logger: stderr, so stdout stays the command's output, at `level`
   * (default warn) unless --log-level or PATCH_DEPOT_LOG_LEVEL asks for another.
   */
  commandLog: (config: Config, level?: LogLevel) => Logger;
  /**
   * True when nobody chose the data directory (no --data-dir, PATCH_DEPOT_DATA_DIR,
   * STATE_DIRECTORY or dataDir in the --config file): it is ./.data of the current directory.
   */
  implicitDataDir: (config: Config) => boolean;
}

/**
 * A mistake on the command line that the option table could not see (a value of the wrong
 * shape, a combination that makes no sense): printed with the command's usage, exit code 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
