/**
 * The index: upstream URL -> blob, with the validators and usage counters eviction and the UI
 * need, plus the traffic statistics. One JSON file, rewritten atomically and debounced (hit
 * counters change on every request; SD cards wear out). A blob is renamed into place before its
 * entry is written, so a crash in between leaves an orphan blob (removed at start), never an
 * entry without bytes.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { DebouncedWriter } from '../store/debounced-writer.js';
import { JsonFileAdapter } from '../store/json-file-adapter.js';
import { CacheStats, statsSchema } from './cache-stats.js';

const entrySchema = z.object({
  url: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(0),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  contentType: z.string(),
  fetchedAt: z.number(),
  validatedAt: z.number(),
  hits: z.number().int().min(0),
  lastAccess: z.number(),
  pinned: z.boolean(),
  mutable: z.boolean(),
  /** How the bytes were checked: against a known hash, or only for completeness. */
  verified: z.enum(['sha256', 'size']),
});
export type CacheEntry = z.infer<typeof entrySchema>;

const fileSchema = z.object({
  version: z.literal(1),
  entries: z.array(z.unknown()),
  stats: z.unknown().optional(),
});
type IndexFile = z.infer<typeof fileSchema>;

export class CacheIndex {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly refs = new Map<string, number>();
  private used = 0;
  stats = new CacheStats();
  private readonly file: JsonFileAdapter<IndexFile>;
  private readonly writer: DebouncedWriter<IndexFile>;

  /** `debounceMs`: hit counters are written at most this long after the first unwritten change. */
  constructor(
    root: string,
    private readonly log: Logger,
    private readonly debounceMs = 2000,
  ) {
    this.file = new JsonFileAdapter(join(root, 'index.json'), { mode: 0o640, space: 0, schema: fileSchema });
    this.writer = new DebouncedWriter({
      sink: this.file,
      snapshot: () => ({ version: 1, entries: this.all(), stats: this.stats.toJSON() }),
      debounceMs,
      maxDelayMs: debounceMs,
      name: 'cache index',
      log,
    });
  }

  /** Load the file; a damaged entry is dropped with a warning, a damaged file starts empty. */
  async load(): Promise<void> {
    let doc: IndexFile | null;
    try {
      doc = await this.file.read();
    } catch (err) {
      if (!(err instanceof DepotError && err.code === 'STORE_CORRUPT')) throw err;
      // Only the index is lost: blobs without an entry are removed at start and fetched again.
      this.log.warn('cache index unreadable; starting empty (blobs are re-indexed on demand)', {
        file: this.file.path,
        err,
      });
      return;
    }
    if (!doc) return;
    for (const raw of doc.entries) {
      const entry = entrySchema.safeParse(raw);
      if (entry.success) this.set(entry.data);
      else this.log.warn('dropping damaged cache index entry', { file: this.file.path });
    }
    const stats = statsSchema.safeParse(doc.stats);
    if (stats.success) this.stats = new CacheStats(stats.data);
  }

  /** Drop entries whose blob is missing or has the wrong size; return blobs nothing refers to. */
  reconcile(blobs: Map<string, number>): { dropped: number; orphans: string[] } {
    let dropped = 0;
    for (const [url, e] of this.entries) {
      if (blobs.get(e.sha256) !== e.size) {
        this.remove(url);
        dropped++;
      }
    }
    const used = new Set([...this.entries.values()].map((e) => e.sha256));
    const orphans = [...blobs.keys()].filter((sha) => !used.has(sha));
    if (dropped) this.schedule(0);
    return { dropped, orphans };
  }

  get(url: string): CacheEntry | undefined {
    return this.entries.get(url);
  }

  all(): CacheEntry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  put(entry: CacheEntry): void {
    this.set(entry);
    this.schedule(this.structuralDelay());
  }

  /**
   * New and removed entries are written soon, but a burst (an apt upgrade fetching hundreds of
   * files) still becomes one write. Losing them in a crash only costs a refetch: blobs without an
   * entry are removed at start.
   */
  private structuralDelay(): number {
    return Math.min(this.debounceMs, 500);
  }

  delete(url: string): CacheEntry | undefined {
    const e = this.entries.get(url);
    if (e) {
      this.remove(url);
      this.schedule(this.structuralDelay());
    }
    return e;
  }

  /** Whether any entry still points at this blob (several URLs may share one). */
  referenced(sha: string): boolean {
    return this.refs.has(sha);
  }

  /** Bytes held by distinct blobs. */
  usedBytes(): number {
    return this.used;
  }

  // Reference counts and the byte total are kept up to date here so that eviction over a large
  // cache does not rescan every entry per file.
  private set(entry: CacheEntry): void {
    this.remove(entry.url);
    this.entries.set(entry.url, entry);
    const n = this.refs.get(entry.sha256) ?? 0;
    if (n === 0) this.used += entry.size;
    this.refs.set(entry.sha256, n + 1);
  }

  private remove(url: string): void {
    const old = this.entries.get(url);
    if (!old) return;
    this.entries.delete(url);
    const n = (this.refs.get(old.sha256) ?? 1) - 1;
    if (n <= 0) {
      this.refs.delete(old.sha256);
      this.used -= old.size;
    } else this.refs.set(old.sha256, n);
  }

  touch(url: string, now: number): void {
    const e = this.entries.get(url);
    if (!e) return;
    e.hits++;
    e.lastAccess = now;
    this.schedule(this.debounceMs);
  }

  /** Ask for a write within `delayMs` (an earlier promised write wins). */
  schedule(delayMs = this.debounceMs): void {
    this.writer.mark(delayMs);
  }

  /** Final write; later changes (stragglers during shutdown) stay in memory only. */
  close(): Promise<void> {
    return this.writer.stop();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}
