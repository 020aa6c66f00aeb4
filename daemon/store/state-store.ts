/**
 * The daemon's main state in one lowdb document. Changes apply in memory at once; the file is
 * rewritten debounced (coalescing bursts, sparing SD cards) and every `update()` resolves only
 * once a write containing its change is durable: an acknowledged change survives kill -9.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { DepotError } from '../errors.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { sweepTempFiles } from './atomic-file.js';
import { DebouncedWriter } from './debounced-writer.js';
import { checkDocument, JsonFileAdapter } from './json-file-adapter.js';
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
  clock?: Clock;
  /** For tests of the migration machinery; the daemon uses the real ones. */
  version?: number;
  migrations?: ReadonlyArray<(doc: Record<string, unknown>) => Record<string, unknown>>;
}

export const STATE_FILE = 'state.json';

export class StateStore {
  private db: Low<State> | undefined;
  private writer: DebouncedWriter<State> | undefined;

  constructor(private readonly opts: StateStoreOptions) {}

  get path(): string {
    return join(this.opts.dataDir, STATE_FILE);
  }

  /** Count of file writes, for /metrics and tests of coalescing. */
  get writes(): number {
    return this.writer?.writes ?? 0;
  }

  async start(): Promise<void> {
    const swept = await sweepTempFiles(this.opts.dataDir);
    if (swept) this.opts.log.info('removed leftover temp files from an interrupted write', { count: swept });
    const adapter = new JsonFileAdapter<State>(this.path);
    const clock = this.opts.clock ?? systemClock;
    const raw = (await adapter.read()) as unknown;
    const db = new Low<State>(adapter, initialState(dateOf(clock), randomBytes(32).toString('hex')));
    const writer = new DebouncedWriter<State>({
      sink: adapter,
      snapshot: () => db.data,
      debounceMs: this.opts.debounceMs,
      maxDelayMs: this.opts.maxDelayMs,
      name: 'state',
      log: this.opts.log,
    });
    if (raw === null) {
      this.opts.log.info('no state file yet: starting fresh', { path: this.path });
      writer.mark();
    } else {
      if (typeof raw !== 'object' || Array.isArray(raw)) {
        // Never treat a damaged file as "first run": that would reopen setup to anyone.
        throw new DepotError(
          'STORE_CORRUPT',
          `${this.path}: expected a JSON object; restore a backup or move it aside`,
        );
      }
      const { doc, migrated } = this.migrate(raw as Record<string, unknown>);
      // Checked for what the daemon relies on; sections other modules own are kept as read.
      if (this.opts.version === undefined) checkDocument(this.path, stateSchema, doc);
      db.data = doc as unknown as State;
      if (migrated) writer.mark();
    }
    await writer.flush();
    this.db = db;
    this.writer = writer;
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
    if (!this.db || !this.writer) throw new Error('StateStore used before start()');
    if (this.writer.isStopped) return Promise.reject(new DepotError('UNAVAILABLE', 'state store is stopped'));
    mutate(this.db.data);
    return this.writer.changed();
  }

  /** Write now whatever is pending; resolves when it is durable. */
  flush(): Promise<void> {
    return this.writer?.flush() ?? Promise.resolve();
  }

  /** Write what is pending and refuse further changes; rejects if the final write fails. */
  async stop(): Promise<void> {
    await this.writer?.stop();
  }
}
