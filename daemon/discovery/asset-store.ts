/**
 * Assets in memory (a Map plus MAC/IP indexes, for paging and search at thousands of assets) and
 * on disk as ONE file, `discovery/assets.json`, written atomically and debounced. Why one file and
 * not a file per asset: every scan touches every asset's lastSeen, so per-asset files would mean
 * thousands of fsyncs per scan on an SD card; one coalesced write per scan is cheaper and just as
 * safe (temp + fsync + rename: after kill -9 the file is the previous or the next version).
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { sweepTempFiles } from '../store/atomic-file.js';
import { DebouncedWriter } from '../store/debounced-writer.js';
import { JsonFileAdapter } from '../store/json-file-adapter.js';
import { type Asset, assetSchema } from './asset.js';
import type { AssetLookup } from './merge.js';

const fileSchema = z.object({ version: z.literal(1), assets: z.array(z.unknown()) });
type AssetFile = z.infer<typeof fileSchema>;

export class AssetStore implements AssetLookup {
  private readonly assets = new Map<string, Asset>();
  private readonly ipIndex = new Map<string, Set<string>>();
  /** Lower-cased text searched by the Assets page, built once per change. */
  private readonly haystacks = new Map<string, string>();
  private readonly file: JsonFileAdapter<AssetFile>;
  private readonly writer: DebouncedWriter<AssetFile>;
  /** Bumped on every change; lets the UI cache derived lists (vendors) cheaply. */
  version = 0;

  /** `debounceMs`: a change is written at most this long after the first unwritten one. */
  constructor(
    private readonly dir: string,
    debounceMs: number,
    private readonly log: Logger,
  ) {
    this.file = new JsonFileAdapter(join(dir, 'assets.json'), { mode: 0o640, space: 0, schema: fileSchema });
    this.writer = new DebouncedWriter({
      sink: this.file,
      snapshot: () => ({ version: 1, assets: [...this.assets.values()] }),
      debounceMs,
      maxDelayMs: debounceMs,
      name: 'asset file',
      log,
    });
  }

  get path(): string {
    return this.file.path;
  }

  /** Load the file; throws STORE_CORRUPT for a damaged file, skips (and logs) damaged records. */
  async start(): Promise<void> {
    await sweepTempFiles(this.dir);
    const doc = await this.file.read();
    if (!doc) return;
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
    return this.writer.changed();
  }

  /** Write pending changes now; resolves once they are durable. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  async stop(): Promise<void> {
    await this.writer.stop();
  }
}
