import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { AssessService } from '../../../daemon/assess/assess-service.js';
import { CatalogService } from '../../../daemon/catalog/catalog-service.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { ManualClock } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { MemoryFeedFetcher } from '../../fakes/memory-feed-fetcher.js';
import { waitFor } from '../../support/wait-for.js';
import { fixture } from '../catalog/version-gen.js';

const inv = (hostId: string, curl: string): HostInventory => ({
  hostId,
  collectedAt: '2026-11-23T10:00:00.000Z',
  os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12' },
  kernel: '6.1.0',
  packages: [{ name: 'curl', version: curl }],
  ecosystem: 'dpkg',
  rebootRequired: false,
});

/** A catalog service with the Debian tracker fixture as its one feed, not synced yet. */
const trackerCatalog = async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'pd-assess-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const fetcher = new MemoryFeedFetcher();
  fetcher.set('https://tracker.example/json', fixture('catalog/debian-tracker.json'));
  const log = memoryLogger();
  const catalog = new CatalogService({
    dir,
    feeds: [{ id: 'debian', kind: 'debian-tracker', url: 'https://tracker.example/json', enabled: true }],
    fetcher,
    verifier: { verifyClearsigned: () => Promise.reject(new Error('unused')) },
    trustedKeys: [],
    maxFeedBytes: 1 << 20,
    maxUnpackedBytes: 1 << 20,
    syncIntervalMinutes: 60,
    log,
  });
  await catalog.start();
  t.after(() => catalog.stop());
  return { catalog, log };
};

test('an old result is served at once while a fresh one is computed; a catalog change recomputes', async (t) => {
  const { catalog, log } = await trackerCatalog(t);
  const clock = new ManualClock(Date.parse('2026-11-23T12:00:00Z'));
  let hosts = [inv('pc-1', '7.88.1-10+deb12u15')];
  const assess = new AssessService({
    catalog,
    inventories: {
      ids: async () => hosts.map((h) => h.hostId),
      get: async (id) => hosts.find((h) => h.hostId === id),
    },
    log,
    maxAgeMs: 60_000,
    clock,
  });
  await assess.start();
  t.after(() => assess.stop());

  const empty = await assess.current();
  assert.equal(empty.compliance.uncovered, 1, 'no feed yet');
  await catalog.syncNow();
  // The catalog change started a recomputation; the next call waits for it (new catalog).
  const first = await assess.current();
  assert.equal(first.compliance.missingFixes, 1);

  hosts = [...hosts, inv('pc-2', '7.88.1-10+deb12u16')];
  await clock.advance(61_000);
  const stale = await assess.current();
  assert.equal(stale, first, 'served at once although older than maxAge');
  let next = stale;
  await waitFor(() => {
    void assess.current().then((r) => {
      next = r;
    });
    return next !== first;
  }, 'the background refresh');
  assert.equal(next.hosts.length, 2, 'the background refresh picked up the new host');
  assert.equal(next.compliance.compliant, 1);
});

/**
 * An assessment service whose inventory reads wait on `held.hold` once they have taken the host
 * list (`held.reads` counts them): a collection can land while one runs.
 */
const heldAssess = async (t: TestContext) => {
  const { catalog, log } = await trackerCatalog(t);
  const held = { hosts: [inv('pc-1', '7.88.1-10+deb12u15')], hold: Promise.resolve(), reads: 0 };
  const assess = new AssessService({
    catalog,
    inventories: {
      ids: async () => {
        const ids = held.hosts.map((h) => h.hostId);
        held.reads++;
        await held.hold;
        return ids;
      },
      get: async (id) => held.hosts.find((h) => h.hostId === id),
    },
    log,
  });
  await assess.start();
  t.after(() => assess.stop());
  return { catalog, assess, held };
};

test('an assessment that was running when a collection or a catalog change came in is not taken as current', async (t) => {
  const { catalog, assess, held } = await heldAssess(t);
  assert.equal((await assess.current()).hosts.length, 1);

  // A collection lands while an assessment reads the inventories: that one's result is stale.
  let release!: () => void;
  held.hold = new Promise<void>((r) => (release = r));
  assess.invalidate();
  const inFlight = assess.current();
  await waitFor(() => held.reads === 2, 'the assessment started');
  held.hosts = [...held.hosts, inv('pc-2', '7.88.1-10+deb12u16')];
  held.hold = Promise.resolve();
  assess.invalidate();
  const after = assess.current();
  release();
  assert.equal((await inFlight).hosts.length, 1, 'the one that ran saw one host');
  assert.equal((await after).hosts.length, 2, 'the caller after the collection gets both hosts');
  assert.equal((await assess.current()).hosts.length, 2, 'and that result is the current one');
  assert.equal(held.reads, 3, 'one more computation, not two at once');

  // The same for a feed sync: the result of the catalog before it is never served as current.
  held.hold = new Promise<void>((r) => (release = r));
  assess.invalidate();
  const old = assess.current();
  await waitFor(() => held.reads === 4, 'the assessment started');
  held.hold = Promise.resolve();
  await catalog.syncNow();
  release();
  await old;
  const synced = await assess.current();
  assert.equal(synced.catalogGeneration, catalog.index().generation);
  assert.equal(synced.compliance.missingFixes, 1, 'assessed against the synced tracker');
});

test('collections landing during an assessment, with pages asking each time, queue one more assessment, not one each', async (t) => {
  const { assess, held } = await heldAssess(t);
  await assess.current();
  let release!: () => void;
  held.hold = new Promise<void>((r) => (release = r));
  assess.invalidate();
  const asked = [assess.current()];
  await waitFor(() => held.reads === 2, 'the assessment started');
  held.hold = Promise.resolve();
  // Five collections land while it runs; after each, ten pages ask for the current figures.
  for (let i = 2; i <= 6; i++) {
    held.hosts = [...held.hosts, inv(`pc-${i}`, '7.88.1-10+deb12u15')];
    assess.invalidate();
    for (let k = 0; k < 10; k++) asked.push(assess.current());
  }
  release();
  const results = await Promise.all(asked);
  assert.equal(results[0]!.hosts.length, 1, 'the one that ran saw one host');
  for (const r of results.slice(1)) assert.equal(r.hosts.length, 6, 'every later caller gets all six hosts');
  assert.equal(held.reads, 3, 'one assessment after the one running, whatever number of collections landed');
  assert.equal((await assess.current()).hosts.length, 6);
  assert.equal(held.reads, 3, 'and its result is the current one');
});

test('a page whose assessment finished after a collection landed shows it as being reassessed, and the next one runs', async (t) => {
  const { assess, held } = await heldAssess(t);
  await assess.current();
  let release!: () => void;
  held.hold = new Promise<void>((r) => (release = r));
  assess.invalidate();
  const page = assess.currentWithin(60_000);
  await waitFor(() => held.reads === 2, 'the assessment started');
  held.hosts = [...held.hosts, inv('pc-2', '7.88.1-10+deb12u15')];
  held.hold = Promise.resolve();
  assess.invalidate(); // a collection lands while it runs
  release();
  const got = await page;
  assert.equal(got?.site.hosts.length, 1);
  assert.equal(got?.stale, true, 'figures from before the collection are not shown as current');
  await waitFor(() => assess.latest()?.hosts.length === 2, 'the next assessment ran by itself');
  assert.deepEqual((await assess.currentWithin(60_000))?.stale, false);
  assert.equal(held.reads, 3);
});

test('a failed assessment is said (pages, health) until one succeeds; a new state tries again', async (t) => {
  const { catalog, log } = await trackerCatalog(t);
  await catalog.syncNow();
  let broken = true;
  const hosts = [inv('pc-1', '7.88.1-10+deb12u15')];
  const assess = new AssessService({
    catalog,
    inventories: {
      ids: async () => hosts.map((h) => h.hostId),
      get: async (id) => {
        if (broken) throw new Error('inventory pc-1.json: unexpected end of JSON input');
        return hosts.find((h) => h.hostId === id);
      },
    },
    log,
  });
  await assess.start();
  t.after(() => assess.stop());

  assert.equal(assess.failed(), undefined);
  // The page is not an error page: no result yet, and the failure is there to say.
  assert.equal(await assess.currentWithin(2000), undefined);
  assert.match(assess.failed()?.message ?? '', /unexpected end of JSON input/);
  assert.deepEqual(
    assess.health().map((p) => p.source),
    ['assess'],
  );
  assert.match(assess.health()[0]!.message, /the assessment of the hosts failed at .*: inventory pc-1\.json/);

  // A collection changes the state: that run is tried, not the old failure reported as current.
  assess.invalidate();
  assert.equal(assess.failed(), undefined, 'a new state is not known to fail yet');
  broken = false;
  const got = await assess.currentWithin(2000);
  assert.equal(got?.stale, false);
  assert.equal(got?.site.compliance.assessed, 1);
  assert.equal(assess.failed(), undefined);
  assert.deepEqual(assess.health(), []);
});

test('a stop ends a running assessment at its next host, not after every host, and logs no failure', async (t) => {
  const { catalog, log } = await trackerCatalog(t);
  const hosts = Array.from({ length: 200 }, (_, i) => inv(`pc-${i}`, '7.88.1-10+deb12u15'));
  let read = 0;
  let stopAfter: (() => void) | undefined;
  const assess = new AssessService({
    catalog,
    inventories: {
      ids: async () => hosts.map((h) => h.hostId),
      get: async (id) => {
        read++;
        if (read === 10) stopAfter?.();
        await new Promise((r) => setTimeout(r, 2));
        return hosts.find((h) => h.hostId === id);
      },
    },
    log,
  });
  await assess.start();
  let stopped: Promise<void> | undefined;
  stopAfter = () => {
    stopped = assess.stop();
  };
  assess.refresh();
  await waitFor(() => stopped !== undefined, 'the stop came');
  await stopped;
  assert.ok(read < 20, `the stop ended the assessment (${read} of 200 inventories read)`);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(log.lines.filter((r) => r.level === 'error').length, 0, 'a stopped assessment is no failure');
  assert.equal(assess.latest(), undefined, 'and no result from part of the site');
});
