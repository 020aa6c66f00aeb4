/**
 * Firmware staging as a job (`tftp.stage`): after a feed sync changes what signed manifests list,
 * at start, and when someone presses "Stage now", every listed file that is new, changed, failed
 * before or missing from the root is fetched through the patch cache (so it crosses the WAN once
 * and is verified there) and put into the TFTP root by TftpRoot (verified again on the way in).
 * Staging is idempotent, so a job cut short by a stop or a crash simply runs again.
 */
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { fetchVerified, type VerifiableCache } from '../cache/fetch-verified.js';
import type { VendorFile } from '../catalog/model.js';
import type { JobRecord } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Logger } from '../log.js';
import { type FirmwareEntry, planFirmware } from './firmware.js';
import type { FirmwareSource, TftpRoot } from './tftp-root.js';

export const TFTP_STAGE = 'tftp.stage';

const params = z.object({ trigger: z.enum(['startup', 'catalog', 'manual']) });
type StageParams = z.infer<typeof params>;

/** What staging needs from the catalog. */
export interface FirmwareCatalog {
  vendorFiles(): { feedId: string; file: VendorFile }[];
  onChange(listener: () => void): () => void;
}

/** What staging needs from the patch cache. */
export interface VerifyingCache extends VerifiableCache {
  readonly blobs: { path(sha256: string): string };
}

/** The patch cache as the firmware source: fetched and verified there, then read from its blob. */
export const cacheSource = (cache: VerifyingCache): FirmwareSource => ({
  async read({ url, sha256, size }, signal) {
    signal.throwIfAborted();
    const entry = await fetchVerified(cache, url, sha256, size);
    return createReadStream(cache.blobs.path(entry.sha256), { signal });
  },
});

export class FirmwareStaging {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly root: TftpRoot,
    private readonly catalog: FirmwareCatalog,
    /** Undefined when the patch cache is off: nothing can be staged, and the page says so. */
    private readonly source: FirmwareSource | undefined,
    private readonly jobs: JobRunner,
    private readonly log: Logger,
  ) {}

  /** The files manifests list now, one per name, and any clash between them. */
  plan(): ReturnType<typeof planFirmware> {
    return planFirmware(this.catalog.vendorFiles());
  }

  get available(): boolean {
    return this.source !== undefined;
  }

  async start(): Promise<void> {
    this.jobs.register<StageParams>({
      kind: TFTP_STAGE,
      params,
      recovery: 'retry',
      concurrency: 1,
      run: (job, p, ctx) => this.run(job, p, ctx.signal, ctx.log),
    });
    this.unsubscribe = this.catalog.onChange(() => {
      this.requestIfNeeded('catalog').catch((err: unknown) => this.log.error('staging not started', { err }));
    });
    await this.requestIfNeeded('startup');
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.jobs.unregister(TFTP_STAGE);
  }

  private async pending(): Promise<FirmwareEntry[]> {
    const out: FirmwareEntry[] = [];
    for (const entry of this.plan().entries) if (await this.root.needs(entry)) out.push(entry);
    return out;
  }

  /** Start a staging job when some listed file is not in the root as listed. */
  async requestIfNeeded(trigger: StageParams['trigger']): Promise<JobRecord | undefined> {
    if (!this.source || (await this.pending()).length === 0) return undefined;
    return this.request(trigger);
  }

  /** Start a staging job, or return the one waiting or running. */
  async request(trigger: StageParams['trigger']): Promise<JobRecord> {
    const running = this.jobs.unfinished(TFTP_STAGE)[0];
    if (running) return running;
    return this.jobs.submit({
      kind: TFTP_STAGE,
      title: 'Stage firmware for network devices',
      params: { trigger },
      trigger,
    });
  }

  private async run(_job: JobRecord, _p: StageParams, signal: AbortSignal, line: (s: string) => void) {
    const source = this.source;
    if (!source) throw new Error('the patch cache is off (cache.enabled): firmware cannot be fetched');
    const todo = await this.pending();
    let failed = 0;
    for (const entry of todo) {
      signal.throwIfAborted();
      try {
        await this.root.stage(entry, source, signal);
        line(`staged ${entry.name} (${entry.vendor} ${entry.product} ${entry.version})`);
      } catch (err) {
        signal.throwIfAborted();
        failed++;
        line(`not staged: ${(err as Error).message}`);
      }
    }
    const summary = `${todo.length - failed} of ${todo.length} firmware files staged`;
    if (failed && failed === todo.length) throw new Error(summary);
    return { summary };
  }
}
