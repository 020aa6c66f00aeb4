/**
 * What a command's failure looks like on the terminal, for every command alike: one message a
 * technician can act on and a consistent exit code (1 failed, 2 usage mistake, 78 bad settings).
 * A stack trace is never printed for a mistake (a missing file, a bad bundle, bad JSON) or for
 * anything else unless `--debug` asks for it; then it comes with every cause. (main.ts asks for it
 * when `serve` meets a bug: the journal is all there is to read afterwards.)
 */
import { z } from 'zod';
import { UsageError } from '../cli-context.js';
import { formatIssues } from '../config-messages.js';
import { DepotError, isSystemError, type SystemError, systemErrorReason } from '../errors.js';
import { terminalText } from '../terminal-text.js';
import { EXIT } from './spec.js';

/** "ENOENT: no such file or directory, open '/x'" as "/x: no such file or directory". */
const systemErrorText = (err: SystemError): string =>
  err.path ? `${err.path}: ${systemErrorReason(err)}` : systemErrorReason(err);

const messageOf = (err: unknown): string => {
  if (err instanceof z.ZodError) return formatIssues(err);
  if (err instanceof DepotError || err instanceof UsageError) return err.message;
  if (isSystemError(err)) return systemErrorText(err);
  if (err instanceof Error) return err.message || err.name;
  return String(err);
};

/** Expected failures say what is wrong; anything else is a bug, and --debug shows where. */
export const expected = (err: unknown): boolean =>
  err instanceof DepotError ||
  err instanceof UsageError ||
  err instanceof z.ZodError ||
  err instanceof SyntaxError ||
  isSystemError(err);

export const exitCodeOf = (err: unknown): number => {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof DepotError && err.code === 'CONFIG_INVALID') return EXIT.config;
  return EXIT.failure;
};

/** The stack, then each cause's ("caused by: ..."), for --debug. */
const traceOf = (err: unknown): string => {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(`${depth ? 'caused by: ' : ''}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join('\n');
};

/** The lines to print for `err`, each prefixed with the command (`patch-depot catalog: ...`). */
export const errorReport = (err: unknown, opts: { prefix: string; debug: boolean }): string => {
  const lines = terminalText(messageOf(err)).split('\n');
  if (!expected(err) && !opts.debug) lines.push('(an unexpected error: run again with --debug for details)');
  const head = lines.map((l) => `${opts.prefix}: ${l}`).join('\n');
  return opts.debug ? `${head}\n${terminalText(traceOf(err))}\n` : `${head}\n`;
};
