/**
 * The config file as the settings page edits it: read with a version (a hash of its bytes), change
 * some dotted paths, check the result against the config schema with every other source (env,
 * flags) as the daemon would, and write it atomically. Keys the page does not know and the rest
 * of the file stay as they were; a file changed since the page read it (a hand edit) is refused.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type Config, configInput, configSchema, type LoadConfigOptions } from '../config.js';
import { issueInWords } from '../config-messages.js';
import { DepotError, isSystemError } from '../errors.js';
import { isAlive, TEMP_MARKER, writeFileAtomic } from '../store/atomic-file.js';

export interface ConfigFileState {
  /** sha256 of the bytes, or "none" while there is no file. */
  version: string;
  /** The file's object as written, unknown keys included. */
  raw: Record<string, unknown>;
  /** What the daemon would run with: file, environment and flags through the schema. */
  config: Config;
}

/** A change: a dotted path and its new value; undefined removes the key (its default applies). */
export type SettingChange = { path: string; value: unknown };

/** Problems with a change, by the changed path they belong to ("" for the rest of the file). */
export type FieldErrors = Record<string, string>;

/** Every problem, with its path inside the change it belongs to (e.g. [2, "url"] of catalog.feeds). */
export type PlacedIssue = { field: string; rest: PropertyKey[]; message: string };

const resolved = (c: Config): Config => ({ ...c, dataDir: resolve(c.dataDir) });

const versionOf = (text: string | undefined): string =>
  text === undefined ? 'none' : createHash('sha256').update(text).digest('hex').slice(0, 32);

const setIn = (root: Record<string, unknown>, path: string, value: unknown): void => {
  const keys = path.split('.');
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      if (value === undefined) return;
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
};

/** A zod issue's path, as the changed path it falls under and what inside it is wrong. */
const placeIssue = (issuePath: PropertyKey[], changed: string[]): [string, string, PropertyKey[]] => {
  const dotted = issuePath.map(String).join('.');
  const owner = changed
    .filter((p) => dotted === p || dotted.startsWith(`${p}.`))
    .sort((a, b) => b.length - a.length)[0];
  if (owner === undefined) return ['', dotted, issuePath];
  const rest = issuePath.slice(owner.split('.').length);
  const where = rest.map((k) => (typeof k === 'number' ? `entry ${k + 1}` : String(k))).join(', ');
  return [owner, where, rest];
};

export class ConfigFile {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    /** How the daemon loaded its config; `file` is the one written. */
    private readonly source: LoadConfigOptions & { file: string },
  ) {}

  get path(): string {
    return this.source.file;
  }

  /**
   * Remove temp files a save cut short (kill -9, power loss) left beside the file. Only this
   * file's own (`config.json.tmp-<pid>-<hex>` of a process gone): the directory may be /etc.
   */
  async sweep(): Promise<number> {
    const target = await this.target();
    const dir = dirname(target.path);
    const prefix = basename(target.path) + TEMP_MARKER;
    const names = await readdir(dir).catch(() => [] as string[]);
    const stale = names.filter((n) => {
      const pid = n.startsWith(prefix) ? Number(/^(\d+)-[0-9a-f]+$/.exec(n.slice(prefix.length))?.[1]) : 0;
      return pid > 0 && !isAlive(pid);
    });
    await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
    return stale.length;
  }

  async read(): Promise<ConfigFileState> {
    const text = await this.text();
    const { raw, config, problems } = this.check(text);
    if (!config)
      throw new DepotError(
        'CONFIG_INVALID',
        `${this.path} does not pass the config checks now (${problems}): fix it by hand, then reload this page`,
      );
    return { version: versionOf(text), raw, config };
  }

  /**
   * Apply `changes` if the file is still at `version`. Resolves to the new state, or to the
   * problems (nothing is written then); rejects with CONFLICT when the file changed meanwhile.
   */
  update(
    version: string,
    changes: SettingChange[],
  ): Promise<{ state: ConfigFileState; before: Config } | { errors: FieldErrors; issues: PlacedIssue[] }> {
    const run = async () => {
      const text = await this.text();
      if (versionOf(text) !== version)
        throw new DepotError(
          'CONFLICT',
          `${this.path} changed since this page was loaded (edited by hand, or in another browser); nothing was saved`,
        );
      const current = this.check(text);
      // Nothing to change: the file (and its formatting) stays as it is.
      if (changes.length === 0 && current.config)
        return { state: { version, raw: current.raw, config: current.config }, before: current.config };
      const raw = structuredClone(current.raw);
      for (const c of changes) setIn(raw, c.path, c.value);
      const next = `${JSON.stringify(raw, null, 2)}\n`;
      const result = configSchema.safeParse(configInput({ ...this.source, text: next }).merged);
      if (!result.success) {
        const errors: FieldErrors = {};
        const issues: PlacedIssue[] = [];
        const changed = changes.map((c) => c.path);
        for (const issue of result.error.issues) {
          const [field, where, rest] = placeIssue(issue.path, changed);
          const message = issueInWords(issue);
          errors[field] ??= where ? `${where}: ${message}` : message;
          issues.push({ field, rest, message });
        }
        return { errors, issues };
      }
      const target = await this.target();
      await writeFileAtomic(target.path, next, { mode: target.mode });
      const config = resolved(result.data);
      return { state: { version: versionOf(next), raw, config }, before: current.config ?? config };
    };
    const out = this.chain.then(run, run);
    this.chain = out.catch(() => undefined);
    return out;
  }

  /**
   * Where the new bytes go: through a symlink to the file it names (an admin who links the config
   * from elsewhere keeps the link), at most 0640 and never wider than it was (0600 stays 0600).
   */
  private async target(): Promise<{ path: string; mode: number }> {
    try {
      const path = await realpath(this.path);
      return { path, mode: (await stat(path)).mode & 0o640 };
    } catch (err) {
      if (isSystemError(err) && err.code === 'ENOENT') return { path: this.path, mode: 0o640 };
      throw err;
    }
  }

  private async text(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if (isSystemError(err) && err.code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private check(text: string | undefined): {
    raw: Record<string, unknown>;
    config: Config | undefined;
    problems?: string;
  } {
    let raw: Record<string, unknown> = {};
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          raw = parsed as Record<string, unknown>;
        else throw new Error('not an object');
      } catch {
        throw new DepotError('CONFIG_INVALID', `${this.path} is not a JSON object now: fix it by hand first`);
      }
    }
    const result = configSchema.safeParse(configInput({ ...this.source, text: text ?? '{}' }).merged);
    if (result.success) return { raw, config: resolved(result.data) };
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'the file'}: ${i.message}`);
    return { raw, config: undefined, problems: problems.join('; ') };
  }
}
