/**
 * Prefetch: download a list of URLs into the cache ahead of need (deployments queue the patches
 * they will push), inside the download windows, one URL at a time so the WAN budget goes to
 * finishing files. Jobs are kept in `prefetch.json` (atomic writes) so a restart resumes them.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { DownloadWindows } from './download-window.js';
import { fetchVerified, type VerifiableCache } from './fetch-verified.js';
import type { Clock } from './ports.js';
import { normaliseUrl, type UpstreamAllowList } from './url-policy.js';

/**
 * What the queue needs from the cache (the CacheService that owns the queue passes itself): named
 * here so that the queue does not import the service that imports it.
 */
export interface PrefetchCache extends VerifiableCache {
  readonly opts: { readonly root: string; readonly allow: UpstreamAllowList };
  setPinned(url: string, pinned: boolean): void;
}

const itemSchema = z.object({
  url: z.string(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  pin: z.boolean(),
  status: z.enum(['queued', 'done', 'failed']),
  error: z.string().optional(),
});
const jobSchema = z.object({ id: z.string(), createdAt: z.number(), items: z.array(itemSchema) });
export type PrefetchJob = z.infer<typeof jobSchema>;
export type PrefetchItem = z.infer<typeof itemSchema>;

export interface PrefetchRequest {
  url: string;
  /** Known digest (from a catalog or manifest): the download is verified against it. */
  sha256?: string | undefined;
  /** Keep it through eviction (an approved patch). */
  pin?: boolean | undefined;
}

const KEEP_FINISHED_JOBS = 20;

export class PrefetchQueue {
  private list: PrefetchJob[] = [];
  private wake: (() => void) | undefined;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly file: string;

  constructor(
    private readonly cache: PrefetchCache,
    private readonly windows: DownloadWindows,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.file = join(cache.opts.root, 'prefetch.json');
  }

  /** Loads the saved jobs (before anyone can add one) and starts the worker. */
  async start(): Promise<void> {
    await this.load();
    this.loop = this.run();
  }

  stop(): void {
    this.stopper.abort(new DepotError('UNAVAILABLE', 'stopping'));
    this.wake?.();
  }

  jobs(): PrefetchJob[] {
    return this.list.map((j) => ({ ...j, items: j.items.map((i) => ({ ...i })) }));
  }

  /** Queue URLs; each must be allowed by the upstream allow-list. Returns the job id. */
  async add(requests: PrefetchRequest[]): Promise<string> {
    if (requests.length === 0)
      throw new DepotError('BAD_INPUT', 'nothing to prefetch: give at least one URL');
    const items: PrefetchItem[] = requests.map((r) => {
      const url = this.cache.opts.allow.check(normaliseUrl(r.url).href).href;
      if (r.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(r.sha256))
        throw new DepotError('BAD_INPUT', `${url}: sha256 must be 64 hex digits`);
      return { url, ...(r.sha256 ? { sha256: r.sha256 } : {}), pin: r.pin ?? false, status: 'queued' };
    });
    const job: PrefetchJob = { id: randomUUID(), createdAt: this.clock.now(), items };
    this.list.push(job);
    const finished = this.list.filter((j) => j.items.every((i) => i.status !== 'queued'));
    if (finished.length > KEEP_FINISHED_JOBS) {
      const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED_JOBS));
      this.list = this.list.filter((j) => !drop.has(j));
    }
    await this.save();
    this.log.info('prefetch queued', { job: job.id, urls: items.length });
    this.wake?.();
    return job.id;
  }

  private async load(): Promise<void> {
    try {
      const parsed = z.array(jobSchema).safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      if (parsed.success) this.list = parsed.data;
      else this.log.warn('prefetch queue unreadable; starting empty', { file: this.file });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn('prefetch queue unreadable', { err });
    }
  }

  private save(): Promise<void> {
    return writeFileAtomic(this.file, JSON.stringify(this.list), { mode: 0o640 });
  }

  private next(): { job: PrefetchJob; item: PrefetchItem } | undefined {
    for (const job of this.list) {
      const item = job.items.find((i) => i.status === 'queued');
      if (item) return { job, item };
    }
    return undefined;
  }

  private idle(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      const work = this.next();
      if (!work) {
        await this.idle(undefined);
        continue;
      }
      const wait = this.windows.msUntilOpen(new Date(this.clock.now()));
      if (wait > 0) {
        await this.idle(Math.min(wait, 60_000));
        continue;
      }
      const { item } = work;
      try {
        await this.fetchOne(item);
        item.status = 'done';
      } catch (err) {
        if (signal.aborted) return;
        item.status = 'failed';
        item.error = (err as Error).message;
        this.log.warn('prefetch failed', { url: item.url, err });
      }
      await this.save().catch((err: unknown) => this.log.error('prefetch queue write failed', { err }));
    }
  }

  private async fetchOne(item: PrefetchItem): Promise<void> {
    await fetchVerified(this.cache, item.url, item.sha256);
    if (item.pin) this.cache.setPinned(item.url, true);
  }

  /** For tests and shutdown: resolves when the worker loop has ended. */
  async stopped(): Promise<void> {
    await this.loop;
  }
}
