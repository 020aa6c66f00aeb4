/**
 * Assets in memory (a Map plus MAC/IP indexes, for paging and search at thousands of assets) and
 * on disk as ONE file, `discovery/assets.json`, written atomically and debounced. Why one file and
 * not a file per asset: every scan touches every asset's lastSeen, so per-asset files would mean
 * thousands of fsyncs per scan on an SD card; one coalesced write per scan is cheaper and just as
 * safe (temp + fsync + rename: after kill -9 the file is the previous or the next version).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { sweepTempFiles, writeFileAtomic } from '../store/atomic-file.js';
import { type Asset, assetSchema } from './asset.js';
import type { AssetLookup } from './merge.js';

const fileSchema = z.object({ version: z.literal(1), assets: z.array(z.unknown()) });

export class AssetStore implements AssetLookup {
  private readonly assets = new Map<string, Asset>();
  private readonly ipIndex = new Map<string, Set<string>>();
  /** Lower-cased text searched by the Assets page, built once per change. */
  private readonly haystacks = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private writing: Promise<void> = Promise.resolve();
  /** Bumped on every change; lets the UI cache derived lists (vendors) cheaply. */
  version = 0;
  writes = 0;

  constructor(
    private readonly dir: string,
    private readonly debounceMs: number,
    private readonly log: Logger,
  ) {}

  get path(): string {
    return join(this.dir, 'assets.json');
  }

  async start(): Promise<void> {
    await sweepTempFiles(this.dir);
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let doc: z.infer<typeof fileSchema>;
    try {
      doc = fileSchema.parse(JSON.parse(text));
    } catch (cause) {
      throw new DepotError(
        'STORE_CORRUPT',
        `${this.path}: ${(cause as Error).message}; move it aside to start fresh`,
        {
          cause,
        },
      );
    }
    let skipped = 0;
    for (const raw of doc.assets) {
      const parsed = assetSchema.safeParse(raw);
      if (parsed.success) this.index(parsed.data);
      else skipped++;
    }
    // One damaged record must not cost the other thousands.
    if (skipped) this.log.warn('skipped unreadable asset records', { skipped, path: this.path });
    this.log.info('assets loaded', { count: this.assets.size });
  }

  private index(a: Asset): void {
    const old = this.assets.get(a.id);
    if (old) this.ipIndex.get(old.ip)?.delete(a.id);
    this.assets.set(a.id, a);
    const ids = this.ipIndex.get(a.ip) ?? new Set<string>();
    this.ipIndex.set(a.ip, ids);
    ids.add(a.id);
    this.haystacks.set(
      a.id,
      [
        a.ip,
        a.mac,
        a.vendor,
        a.model,
        a.os,
        a.notes,
        ...a.hostnames,
        ...a.tags,
        ...a.services.map((s) => s.name),
      ]
        .filter(Boolean)
        .join(' ')
        .toLowerCase(),
    );
  }

  byId(id: string): Asset | undefined {
    return this.assets.get(id);
  }

  byIp(ip: string): Asset[] {
    return [...(this.ipIndex.get(ip) ?? [])].map((id) => this.assets.get(id)!);
  }

  all(): IterableIterator<Asset> {
    return this.assets.values();
  }

  get size(): number {
    return this.assets.size;
  }

  haystack(id: string): string {
    return this.haystacks.get(id) ?? '';
  }

  /** Replace/insert and delete records; resolves once the change is on disk. */
  apply(put: Asset[], remove: string[] = []): Promise<void> {
    for (const a of put) this.index(a);
    for (const id of remove) {
      const a = this.assets.get(id);
      if (!a) continue;
      this.ipIndex.get(a.ip)?.delete(id);
      this.assets.delete(id);
      this.haystacks.delete(id);
    }
    this.version++;
    this.dirty = true;
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.debounceMs);
    });
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const batch = this.waiting;
    this.waiting = [];
    const body = `${JSON.stringify({ version: 1, assets: [...this.assets.values()] })}\n`;
    this.writing = this.writing.then(async () => {
      try {
        await writeFileAtomic(this.path, body, { mode: 0o640 });
        this.writes++;
        for (const w of batch) w.resolve();
      } catch (err) {
        this.log.error('assets write failed; will retry', { err });
        for (const w of batch) w.reject(err);
        this.dirty = true;
        this.timer ??= setTimeout(() => void this.flush(), Math.max(1000, this.debounceMs));
      }
    });
    return this.writing;
  }

  async stop(): Promise<void> {
    await this.flush();
  }
}
