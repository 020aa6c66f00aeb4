/**
 * How a settings problem is told to the technician: `path: message`, then where the bad value came
 * from (the flag, the PATCH_DEPOT_* variable or the config file) and, for a JSON syntax error,
 * the line and column an editor shows.
 */
import type { z } from 'zod';

/** The flags `serve` and the other commands turn into settings (see main.ts), for error messages. */
export const flagOf: Record<string, string> = {
  dataDir: '--data-dir',
  'log.level': '--log-level',
  'http.host': '--host',
  'http.port': '--port',
};

/**
 * `path: message`, and where the bad value came from when it was not the defaults: the flag or
 * environment variable the technician typed, or the config file ("tftp.port" alone does not say
 * whether to look in config.json, the unit's Environment= lines or the command line).
 */
export const formatIssues = (
  error: z.ZodError,
  origin: (path: string) => string | undefined = () => undefined,
): string =>
  error.issues
    .map((i) => {
      const path = i.path.length ? i.path.join('.') : '(root)';
      const from = origin(path);
      return `${path}: ${i.message}${from ? ` (${from})` : ''}`;
    })
    .join('\n');

export const originOf =
  (sources: Array<[path: string, label: string]>, file: string | undefined) =>
  (path: string): string | undefined => {
    // Later sources win, as they do when the settings are merged.
    const hit = sources.findLast(([p]) => path === p || path.startsWith(`${p}.`));
    return hit ? `from ${hit[1]}` : file ? `in ${file}` : undefined;
  };

/** JSON.parse names a character offset; an editor shows lines and columns. */
export const lineAndColumn = (text: string, err: Error): string => {
  const at = /at position (\d+)/.exec(err.message)?.[1];
  if (at === undefined) return '';
  const before = text.slice(0, Number(at)).split('\n');
  return ` (line ${before.length}, column ${before.at(-1)!.length + 1})`;
};

const UNITS: Record<string, [string, string]> = {
  string: ['character', 'characters'],
  array: ['entry', 'entries'],
  set: ['entry', 'entries'],
};

/**
 * A schema issue in plain words: a value out of its range says the bound ("at least 15") rather
 * than zod's "Too small: expected number to be >=15"; any other issue keeps its message.
 */
export const issueInWords = (issue: z.core.$ZodIssue): string => {
  if (issue.code !== 'too_small' && issue.code !== 'too_big') return issue.message;
  const small = issue.code === 'too_small';
  const bound = small ? issue.minimum : issue.maximum;
  const unit = UNITS[issue.origin];
  const amount = unit ? `${bound} ${Number(bound) === 1 ? unit[0] : unit[1]}` : String(bound);
  if (issue.exact) return `must be exactly ${amount}`;
  if (issue.inclusive === false) return `must be ${small ? 'more' : 'less'} than ${amount}`;
  return `must be ${small ? 'at least' : 'at most'} ${amount}`;
};
