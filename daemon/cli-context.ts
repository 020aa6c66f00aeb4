/**
 * What every `patch-depot` command gets from the command line: its parsed flags, and the config
 * and logger, made on demand (a command that fails on its flags never reads a config file).
 * Commands import this, never main.ts: the entry point imports them.
 */
import type { Config } from './config.js';
import type { Logger } from './log.js';

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  /** The command's own flags (and the common ones), parsed strictly. */
  values: FlagValues;
  positionals: string[];
  config: () => Config;
  log: (config: Config) => Logger;
}
