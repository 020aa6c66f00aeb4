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
