/**
 * The daemon's main state in one lowdb document. Changes apply in memory at once; the file is
 * rewritten debounced (coalescing bursts, sparing SD cards) and every `update()` resolves only
 * once a write containing its change is durable: an acknowledged change survives kill -9.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { sweepTempFiles } from './atomic-file.js';
import { JsonFileAdapter } from './json-file-adapter.js';
import {
  initialState,
  STATE_VERSION,
  type State,
  migrations as stateMigrations,
  stateSchema,
} from './schema.js';

export interface StateStoreOptions {
  dataDir: string;
  debounceMs: number;
  maxDelayMs: number;
  log: Logger;
  clock?: () => Date;
  /** For tests of the migration machinery; the daemon uses the real ones. */
  version?: number;
  migrations?: ReadonlyArray<(doc: Record<string, unknown>) => Record<string, unknown>>;
}

export const STATE_FILE = 'state.json';

type Waiter = { resolve: () => void; reject: (err: unknown) => void };

export class StateStore {
  private db: Low<State> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstDirtyAt = 0;
  private waiting: Waiter[] = [];
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  private dirty = false;
  /** Count of file writes, for /metrics and tests of coalescing. */
  writes = 0;

  constructor(private readonly opts: StateStoreOptions) {}

  get path(): string {
    return join(this.opts.dataDir, STATE_FILE);
  }

  async start(): Promise<void> {
    const swept = await sweepTempFiles(this.opts.dataDir);
    if (swept) this.opts.log.info('removed leftover temp files from an interrupted write', { count: swept });
    const adapter = new JsonFileAdapter<State>(this.path);
    const clock = this.opts.clock ?? (() => new Date());
    const raw = (await adapter.read()) as unknown;
    const db = new Low<State>(adapter, initialState(clock(), randomBytes(32).toString('hex')));
    if (raw === null) {
      this.opts.log.info('no state file yet: starting fresh', { path: this.path });
      await db.write();
      this.writes++;
    } else {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        // Never treat a damaged file as "first run": that would reopen setup to anyone.
        throw new DepotError(
          'STORE_CORRUPT',
          `${this.path}: expected a JSON object; restore a backup or move it aside`,
        );
      }
      const { doc, migrated } = this.migrate(raw as Record<string, unknown>);
      db.data = this.opts.version === undefined ? this.validate(doc) : (doc as unknown as State);
      if (migrated) {
        await db.write();
        this.writes++;
      }
    }
    this.db = db;
    this.stopped = false;
  }

  private validate(doc: Record<string, unknown>): State {
    const result = stateSchema.safeParse(doc);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new DepotError('STORE_CORRUPT', `${this.path}: ${issues.join('; ')}`);
    }
    return doc as unknown as State;
  }

  private migrate(raw: Record<string, unknown>): { doc: Record<string, unknown>; migrated: boolean } {
    const target = this.opts.version ?? STATE_VERSION;
    const steps = this.opts.migrations ?? stateMigrations;
    const from = raw.schemaVersion;
    if (typeof from !== 'number' || !Number.isInteger(from) || from < 0) {
      throw new DepotError('STORE_CORRUPT', `${this.path}: schemaVersion missing or not a whole number`);
    }
    if (from > target) {
      throw new DepotError(
        'STORE_VERSION',
        `${this.path}: written by a newer Patch Depot (schema ${from}, this build knows ${target}); upgrade the daemon`,
      );
    }
    let doc = raw;
    for (let v = from; v < target; v++) {
      const step = steps[v];
      if (!step) throw new DepotError('STORE_VERSION', `${this.path}: no migration from schema ${v}`);
      doc = { ...step(doc), schemaVersion: v + 1 };
      this.opts.log.info('migrated state', { from: v, to: v + 1 });
    }
    return { doc, migrated: from !== target };
  }

  /** The current state. Treat as read-only; change it through `update()`. */
  get data(): Readonly<State> {
    if (!this.db) throw new Error('StateStore used before start()');
    return this.db.data;
  }

  /** Apply `mutate` now; resolves once the change is on disk. */
  update(mutate: (state: State) => void): Promise<void> {
    if (!this.db) throw new Error('StateStore used before start()');
    if (this.stopped) return Promise.reject(new DepotError('UNAVAILABLE', 'state store is stopped'));
    mutate(this.db.data);
    this.dirty = true;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    const now = Date.now();
    if (this.waiting.length === 1 || this.firstDirtyAt === 0) this.firstDirtyAt = now;
    const latest = this.firstDirtyAt + this.opts.maxDelayMs;
    const delay = Math.max(0, Math.min(this.opts.debounceMs, latest - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush().catch(() => {}), delay);
  }

  /** Write now whatever is pending; resolves when it is durable. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    this.firstDirtyAt = 0;
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const db = this.db!;
    const run = this.writing.then(async () => {
      try {
        await db.write();
        this.writes++;
        for (const w of batch) w.resolve();
      } catch (err) {
        // The change stays in memory; callers learn it is not durable, and a later flush retries.
        this.opts.log.error('state write failed; will retry', { err });
        for (const w of batch) w.reject(err);
        this.dirty = true;
        if (!this.timer && !this.stopped) {
          this.timer = setTimeout(() => this.flush().catch(() => {}), this.opts.maxDelayMs || 1000);
        }
        throw err;
      }
    });
    // The chain continues after a failure; the caller of this flush still sees it.
    this.writing = run.catch(() => {});
    return run;
  }

  /** Write what is pending and refuse further changes; rejects if the final write fails. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.flush();
  }
}
