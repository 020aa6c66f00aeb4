import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import { AssessService } from '../../../daemon/assess/assess-service.js';
import { writeBundle } from '../../../daemon/catalog/bundle.js';
import type { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import { CatalogService } from '../../../daemon/catalog/catalog-service.js';
import type { FeedSpec } from '../../../daemon/catalog/feed-config.js';
import { publicKeyBase64 } from '../../../daemon/catalog/signatures.js';
import { parseDpkgQuery } from '../../../daemon/inventory/parse-dpkg.js';
import { parseOsRelease } from '../../../daemon/inventory/parse-os-release.js';
import { type Clock, systemClock } from '../../../daemon/lifecycle.js';
import { ManualClock } from '../../fakes/clock.js';
import { InProcessFeedParser } from '../../fakes/in-process-feed-parser.js';
import { memoryLogger } from '../../fakes/log.js';
import { MemoryFeedFetcher } from '../../fakes/memory-feed-fetcher.js';
import { startJobs } from '../../job-runner.js';
import { waitFor } from '../../support/wait-for.js';
import { fixture } from './version-gen.js';

const TRACKER_URL = 'https://tracker.example/data/json';
const OSV_URL = 'https://osv.example/Debian/all.zip';
const feeds: FeedSpec[] = [
  { id: 'debian', kind: 'debian-tracker', url: TRACKER_URL, enabled: true },
  { id: 'osv-debian', kind: 'osv', url: OSV_URL, enabled: true },
];

describe('catalog service', () => {
  let dir: string;
  let fetcher: MemoryFeedFetcher;
  let running: { stop(): Promise<void> }[] = [];
  const keys = generateKeyPairSync('ed25519');
  /** The job runner and scheduler the daemon gives the catalog, on the given clock. */
  const jobs = async <C extends Clock>(clock: C) => {
    const work = await startJobs(dir, { clock });
    running.push(work);
    return work;
  };
  const make = (over: Partial<ConstructorParameters<typeof CatalogService>[0]> = {}) =>
    new CatalogService({
      dir: join(dir, 'catalog'),
      feeds,
      fetcher,
      verifier: {
        verifyClearsigned: () => Promise.reject(new Error('unused')),
      },
      trustedKeys: [publicKeyBase64(keys.publicKey)],
      maxFeedBytes: 1 << 20,
      maxUnpackedBytes: 1 << 20,
      parser: new InProcessFeedParser(),
      syncIntervalMinutes: 60,
      log: memoryLogger(),
      ...over,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-catalog-'));
    fetcher = new MemoryFeedFetcher();
    fetcher.set(TRACKER_URL, fixture('catalog/debian-tracker.json'), '"t1"');
  });
  afterEach(async () => {
    for (const service of running) await service.stop();
    running = [];
    await rm(dir, { recursive: true, force: true });
  });

  it('syncs, records history, keeps the last good snapshot when a feed breaks, and revalidates', async () => {
    const svc = make(await jobs(systemClock));
    await svc.start();
    const run = await svc.sync();
    assert.deepEqual(run.feedIds, ['debian', 'osv-debian']);
    assert.match(run.runId, /^job-/, 'the run id is the job id');
    assert.equal((await svc.sync()).runId, run.runId, 'a second request joins the waiting or running sync');
    await svc.idle();
    let history = await svc.history();
    assert.deepEqual(
      history.map((h) => [h.feedId, h.outcome]),
      [
        ['osv-debian', 'failed'],
        ['debian', 'updated'],
      ],
    );
    assert.match(history[0]?.message ?? '', /HTTP 404/);
    const before = svc.index();
    assert.equal(before.size.advisories, 8);

    fetcher.set(
      TRACKER_URL,
      '{"curl": {"CVE-2025-10001": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "x y", "urgency": "low"}}}}}',
      '"t2"',
    );
    await svc.sync(['debian']);
    await svc.idle();
    history = await svc.history();
    assert.equal(history[0]?.outcome, 'failed');
    assert.match(history[0]?.message ?? '', /fixed_version "x y".*keeping the snapshot of/);
    assert.equal(svc.index(), before, 'a rejected feed leaves the index untouched');

    fetcher.set(TRACKER_URL, fixture('catalog/debian-tracker.json'), '"t1"');
    await svc.sync(['debian']);
    await svc.idle();
    assert.equal((await svc.history())[0]?.outcome, 'unchanged');
    assert.equal(fetcher.requests.at(-1)?.etag, '"t1"');
    await svc.stop();

    // A restart serves the stored snapshot without touching the network.
    const again = make();
    await again.start();
    assert.equal(again.index().size.advisories, 8);
    // From the saved index: the same lookups, the same fixes, as the synced feed gave.
    const lookups = (index: CatalogIndex) =>
      [...index.releases].map(([release, rel]) => [
        release,
        [...rel.source].map(([pkg, refs]) => [pkg, refs.map((r) => [r.feedId, r.advisory.id, r.fix])]),
      ]);
    assert.ok(before.size.fixes > 0);
    assert.deepEqual(lookups(again.index()), lookups(before));
    assert.equal(again.feeds().find((f) => f.id === 'debian')?.snapshot?.origin, 'network');
    await again.stop();
  });

  it('rejects an OSV zip bomb whole with a clear message and keeps the last good snapshot', async () => {
    const records = ['DSA-5880-1', 'USN-7000-1'].map((n) => [
      `${n}.json`,
      Buffer.from(fixture(`catalog/osv/${n}.json`)),
    ]);
    fetcher.set(OSV_URL, zipSync(Object.fromEntries(records)), '"z1"');
    const svc = make({ feeds: [feeds[1]!] });
    await svc.start();
    await svc.syncNow();
    const good = svc.index();
    assert.equal(good.size.advisories, 2);
    // 64 MiB of zeros in a few KB, among valid records; the zip even claims it is tiny.
    const bomb = zipSync(Object.fromEntries([...records, ['bomb.json', Buffer.alloc(64 << 20)]]), {
      level: 9,
    });
    fetcher.set(OSV_URL, bomb, '"z2"');
    await svc.syncNow();
    const [entry] = await svc.history();
    assert.equal(entry?.outcome, 'failed');
    assert.match(
      entry?.message ?? '',
      /^OSV zip dump: expands to more than 1 MiB \(catalog\.maxUnpackedMB\); refused as a possible decompression bomb \(keeping the snapshot of /,
    );
    assert.equal(svc.index(), good, 'the catalog is untouched');
    await svc.stop();
    const again = make({ feeds: [feeds[1]!] });
    await again.start();
    assert.equal(again.index().size.advisories, 2, 'the stored snapshot is the good one');
    await again.stop();
  });

  it('imports a signed offline bundle, refuses tampering and rollbacks', async () => {
    const svc = make({ feeds: [] });
    await svc.start();
    const docs = [
      {
        feedId: 'debian',
        kind: 'debian-tracker' as const,
        file: 'tracker.json',
        body: Buffer.from(fixture('catalog/debian-tracker.json')),
      },
      {
        feedId: 'osv-debian',
        kind: 'osv' as const,
        file: 'dsa.json',
        body: Buffer.from(fixture('catalog/osv/DSA-5880-1.json')),
      },
    ];
    const entries = await svc.importBundle(writeBundle(docs, 3, keys.privateKey));
    assert.deepEqual(
      entries.map((e) => [e.feedId, e.outcome]),
      [
        ['debian', 'updated'],
        ['osv-debian', 'updated'],
      ],
    );
    assert.equal(svc.index().size.advisories, 9);
    assert.deepEqual(
      JSON.parse(await readFile(join(dir, 'catalog', 'bundle-state.json'), 'utf8')).sequence,
      3,
    );
    await assert.rejects(
      svc.importBundle(writeBundle(docs, 2, keys.privateKey)),
      /sequence 2 is older than the imported 3/,
    );
    const stranger = generateKeyPairSync('ed25519');
    await assert.rejects(svc.importBundle(writeBundle(docs, 4, stranger.privateKey)), /not trusted here/);
    // Same signed list, different bytes in a file: the per-file hash catches it.
    const files = unzipSync(writeBundle(docs, 5, keys.privateKey));
    files['tracker.json'] = Buffer.from(fixture('catalog/debian-tracker.json').replace('high', 'low '));
    await assert.rejects(svc.importBundle(zipSync(files)), /tracker\.json does not match its signed SHA-256/);
    await assert.rejects(svc.importBundle(new Uint8Array(40)), /not a readable zip/);
    assert.equal(svc.index().size.advisories, 9, 'failed imports change nothing');
    assert.equal((await svc.history())[0]?.outcome, 'failed');
    await svc.stop();
  });

  it('feeds assessment, which recomputes when the catalog changes', async () => {
    const svc = make(await jobs(systemClock));
    await svc.start();
    const inv = {
      hostId: 'pc-1',
      collectedAt: '2026-11-23T10:00:00.000Z',
      os: parseOsRelease(fixture('assess/os-release-debian12')),
      kernel: '6.1.0',
      packages: parseDpkgQuery(fixture('assess/dpkg-query-5col.txt')),
      ecosystem: 'dpkg' as const,
      rebootRequired: true,
    };
    const assess = new AssessService({
      catalog: svc,
      inventories: {
        ids: async () => [inv.hostId],
        get: async (id) => (id === inv.hostId ? inv : undefined),
      },
      log: memoryLogger(),
    });
    await assess.start();
    const empty = await assess.current();
    assert.equal(empty.compliance.uncovered, 1);
    await svc.sync(['debian']);
    await svc.idle();
    const site = await assess.current();
    assert.equal(site.compliance.assessed, 1);
    assert.equal(site.compliance.missingFixes, 3);
    assert.equal(site.compliance.rebootRequired, 1);
    assert.deepEqual(site.advisories.map((a) => a.advisoryId).sort(), [
      'CVE-2024-8176',
      'CVE-2025-0725',
      'CVE-2025-4802',
    ]);
    assert.equal(await assess.current(), site, 'cached while nothing changed');
    await assess.stop();
    await svc.stop();
  });

  it('syncs due feeds through the one scheduler, as jobs', async () => {
    const j = await jobs(new ManualClock(Date.parse('2026-11-23T00:00:00Z')));
    const t0 = j.clock.now();
    const svc = make({ feeds: [feeds[0]!], ...j });
    await svc.start();
    const scheduled = async () => (await svc.history()).filter((h) => h.trigger === 'schedule');
    await waitFor(async () => (await scheduled()).length === 1, 'a never-synced feed to sync at once');
    await svc.idle();
    // Not due again until the interval (60 min) has passed on the service's clock.
    assert.equal(j.scheduler.next('catalog.sync'), t0 + 60 * 60_000);
    await j.clock.advance(30 * 60_000);
    assert.equal(j.jobs.list({ kind: 'catalog.sync' }).length, 1);
    await j.clock.advance(31 * 60_000);
    await waitFor(async () => (await scheduled()).length === 2, 'the second scheduled sync');
    assert.deepEqual(
      (await scheduled()).map((h) => h.outcome),
      ['unchanged', 'updated'],
    );
    const [second, first] = j.jobs.list({ kind: 'catalog.sync' });
    assert.equal(first?.trigger, 'schedule');
    assert.equal(first?.result?.summary, 'debian updated');
    assert.equal((await svc.history())[0]?.id, second?.id, 'history entries carry the job id');
    await svc.stop();
  });

  it('retries a failed feed after 30 minutes instead of the full interval', async () => {
    const j = await jobs(new ManualClock(Date.parse('2026-11-23T00:00:00Z')));
    const broken: FeedSpec = { id: 'osv-debian', kind: 'osv', url: OSV_URL, enabled: true };
    const svc = make({ feeds: [broken], ...j });
    await svc.start();
    const attempts = async () => (await svc.history()).filter((h) => h.trigger === 'schedule');
    await waitFor(async () => (await attempts()).length === 1, 'the first attempt');
    assert.equal((await attempts())[0]?.outcome, 'failed');
    const [failed] = j.jobs.list({ kind: 'catalog.sync' });
    assert.equal((await j.jobs.settled(failed!.id)).state, 'failed', 'a sync where every feed failed fails');
    assert.match(failed?.error ?? '', /^osv-debian: .*HTTP 404/);
    assert.match(svc.health()[0]?.message ?? '', /feed osv-debian has never synced; the last attempt failed/);
    fetcher.set(OSV_URL, fixture('catalog/osv/DSA-5880-1.json'));
    await j.clock.advance(31 * 60_000);
    await waitFor(async () => (await attempts()).length === 2, 'the retry');
    assert.deepEqual(
      (await attempts()).map((h) => h.outcome),
      ['updated', 'failed'],
    );
    await svc.stop();
  });

  it('a feed older than twice its interval is a health problem', async () => {
    const j = await jobs(new ManualClock(Date.parse('2026-11-23T00:00:00Z')));
    const svc = make({ feeds: [feeds[0]!], ...j });
    await svc.start();
    await waitFor(async () => (await svc.history()).length === 1, 'the first sync');
    assert.deepEqual(svc.health(), []);
    await svc.stop();
    // The appliance was off (or the mirror unreachable) for a long time.
    await j.clock.advance(121 * 60_000);
    assert.deepEqual(svc.health(), [
      {
        source: 'catalog',
        message:
          'feed debian is stale: last synced 2026-11-23T00:00:00.000Z (2 h ago), more than twice its 1 h interval',
      },
    ]);
  });
});
