/**
 * The real FeedParser: each task in its own worker thread. The answers must equal parsing in
 * this thread, the event loop must keep turning while a feed is parsed, a feed too big for the
 * worker's heap must fail alone with the setting named, and the catalog service must sync and
 * reload its snapshots through it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CatalogService } from '../../../daemon/catalog/catalog-service.js';
import { packDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';
import { PackedFeed } from '../../../daemon/catalog/packed-feed.js';
import { snapshotJson } from '../../../daemon/catalog/snapshot-store.js';
import { WorkerFeedParser } from '../../../daemon/catalog/worker-feed-parser.js';
import { memoryLogger } from '../../fakes/log.js';
import { MemoryFeedFetcher } from '../../fakes/memory-feed-fetcher.js';
import { fixture } from '../../unit/catalog/version-gen.js';

/** A valid tracker document with `cves` entries over 500 packages (about 180 bytes each). */
const tracker = (cves: number): Buffer => {
  const doc: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < cves; i++) {
    const pkg = `pkg${i % 500}`;
    doc[pkg] ??= {};
    doc[pkg][`CVE-2024-${10000 + i}`] = {
      description: `issue ${i}`,
      releases: {
        bookworm: { status: 'resolved', fixed_version: `1.${i}-1`, urgency: 'medium' },
        trixie: { status: 'open', urgency: 'low' },
      },
    };
  }
  return Buffer.from(JSON.stringify(doc));
};

const request = (body: Uint8Array) => ({
  kind: 'debian-tracker' as const,
  body,
  trustedKeys: [],
  now: new Date('2026-11-23T00:00:00Z'),
  maxUnpackedBytes: 1 << 20,
});

describe('feed parsing in a worker thread', () => {
  it('answers what parsing here would, while the event loop keeps turning', async () => {
    const body = tracker(20_000);
    const here = packDebianTracker(body).content();
    let turns = 0;
    let parsing = true;
    const spin = () => {
      turns++;
      if (parsing) setImmediate(spin);
    };
    setImmediate(spin);
    const answer = await new WorkerFeedParser().document(request(body));
    parsing = false;
    assert.equal(answer.unchanged, false);
    assert.equal(body.byteLength, 0, 'the body moved to the worker instead of being copied');
    // The tracker comes back packed, as the worker packed it while parsing: columns, no objects.
    assert.ok(!answer.unchanged && answer.content instanceof PackedFeed, 'the tracker comes back packed');
    assert.deepEqual(answer.content.content(), here);
    // Parsed in this thread, the loop would get no turn at all until the parse returned.
    assert.ok(turns > 100, `the event loop turned only ${turns} times during the parse`);

    const again = { ...request(tracker(20_000)), previousSha256: answer.sha256 };
    const same = await new WorkerFeedParser().document(again);
    assert.deepEqual(same, { sha256: answer.sha256, unchanged: true }, 'the same bytes are not parsed again');
  });

  it('sends advisory objects (a stored snapshot read back) in batches, whole and in order', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-worker-snapshot-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const content = packDebianTracker(tracker(6000)).content();
    const meta = {
      feedId: 'debian',
      kind: 'debian-tracker' as const,
      origin: 'network' as const,
      syncedAt: '2026-12-04T00:00:00.000Z',
      state: {},
      bytes: 1,
    };
    await writeFile(join(dir, 'debian.json'), snapshotJson({ meta, content }));
    const snap = await new WorkerFeedParser().snapshot(dir, 'debian');
    assert.equal(snap?.content.advisories.length, 6000, 'more than one batch of 2,000 fixes');
    assert.deepEqual(snap?.content.advisories, content.advisories);
  });

  it('parses a package of 300,000 CVEs in a 64 MiB worker, and refuses an entry too big to parse at once', async () => {
    // One member of 35 MB parsed whole was a tree the worker's heap limit could not stop in time:
    // V8 gave up on the whole process (the daemon) rather than on the worker.
    const cves = Array.from(
      { length: 300_000 },
      (_, i) =>
        `"CVE-2024-${100_000 + i}":{"description":"issue ${i}","releases":{"bookworm":{"status":"open","urgency":"low"}}}`,
    );
    const linux = Buffer.from(`{"linux":{${cves.join(',')}}}`);
    const answer = await new WorkerFeedParser({ memoryMB: 64 }).document(request(linux));
    assert.ok(!answer.unchanged && answer.content instanceof PackedFeed, 'the tracker comes back packed');
    assert.equal(answer.content.count, 300_000);
    const numbers = `[${Array.from({ length: 3_000_000 }, (_, i) => i % 10).join(',')}]`;
    const hostile = `{"curl":{"CVE-2024-0001":{"description":${numbers},"releases":{}}}}`;
    await assert.rejects(
      new WorkerFeedParser({ memoryMB: 64 }).document(request(Buffer.from(hostile))),
      /curl\.CVE-2024-0001: an entry of \d+ bytes is over the 1024 KiB a tracker entry may have/,
    );
  });

  it('refuses, in a 64 MiB worker, an OSV record or a manifest whose one value would outgrow its heap at once', async () => {
    // 31 MB of `{"a":1}`s is a tree of some 300 MB: under the 32 MiB parsed at once in a big heap,
    // it aborted the whole process (the daemon) from a worker of 64 MiB.
    const many = `[${Array.from({ length: 2_400_000 }, (_, i) => `{"a":${i % 10}}`).join(',')}]`;
    for (const [kind, body] of [
      ['osv', `[{"id":"X","affected":${many}}]`],
      ['depot-manifest', `{"payload":${many}}`],
    ] as const)
      await assert.rejects(
        new WorkerFeedParser({ memoryMB: 64 }).document({ ...request(Buffer.from(body)), kind }),
        /a single JSON value of \d+ bytes is over the [\d.]+ MiB parsed at once with this heap \(catalog\.workerMemoryMB\)/,
        kind,
      );
  });

  it('fails a tracker of 2,000,000 CVEs in a 96 MiB worker alone: its tables never grow in one big step', async () => {
    // The CVE table was one Map: doubling it past a million keys was one allocation of some 60 MB,
    // more than a worker's heap limit can stop, and V8 aborted the whole process (the daemon).
    const parts: string[] = [];
    for (let i = 0; i < 2_000_000; i += 500) {
      const cves: string[] = [];
      for (let j = i; j < i + 500; j++)
        cves.push(`"CVE-2024-${1_000_000 + j}":{"releases":{"b":{"status":"open","urgency":"low"}}}`);
      parts.push(`"p${i}":{${cves.join(',')}}`);
    }
    await assert.rejects(
      new WorkerFeedParser({ memoryMB: 96 }).document(request(Buffer.from(`{${parts.join(',')}}`))),
      /parsing the debian-tracker document needs more than 96 MiB of memory \(catalog\.workerMemoryMB\)/,
    );
  });

  it('fails a document too big for the worker heap alone, naming the setting', async () => {
    // 200,000 CVEs (36 MB) fit in 64 MiB since the tracker is packed as it is parsed; not in 32.
    await assert.rejects(
      new WorkerFeedParser({ memoryMB: 32 }).document(request(tracker(200_000))),
      /parsing the debian-tracker document needs more than 32 MiB of memory \(catalog\.workerMemoryMB\)/,
    );
    await assert.rejects(
      new WorkerFeedParser().document(request(Buffer.from('{"curl": ['))),
      /not valid JSON/,
    );
  });

  it('stops a parse when its signal aborts', async () => {
    const abort = new AbortController();
    const parse = new WorkerFeedParser().document(request(tracker(50_000)), abort.signal);
    abort.abort(new Error('the appliance is shutting down'));
    await assert.rejects(parse, /the appliance is shutting down/);
  });

  it('is what the catalog service syncs and reloads snapshots with', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-catalog-worker-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const fetcher = new MemoryFeedFetcher();
    fetcher.set('https://tracker.example/json', fixture('catalog/debian-tracker.json'));
    const make = () =>
      new CatalogService({
        dir,
        feeds: [{ id: 'debian', kind: 'debian-tracker', url: 'https://tracker.example/json', enabled: true }],
        fetcher,
        verifier: { verifyClearsigned: () => Promise.reject(new Error('unused')) },
        parser: new WorkerFeedParser({ memoryMB: 64 }),
        trustedKeys: [],
        maxFeedBytes: 64 << 20,
        maxUnpackedBytes: 1 << 20,
        syncIntervalMinutes: 60,
        log: memoryLogger(),
      });
    const svc = make();
    await svc.start();
    await svc.syncNow();
    assert.equal(svc.index().size.advisories, 8);
    // A hostile tracker, one package of 400,000 CVEs: a feed error, the last catalog kept.
    const hostile = Array.from(
      { length: 400_000 },
      (_, i) => `"CVE-2024-${100_000 + i}":{"releases":{"bookworm":{"status":"open","urgency":"low"}}}`,
    );
    fetcher.set('https://tracker.example/json', `{"linux":{${hostile.join(',')}}, "curl": [`);
    const [failed] = await svc.syncNow();
    assert.equal(failed?.outcome, 'failed');
    assert.match(failed?.message ?? '', /Debian security tracker: not valid JSON/);
    assert.equal(svc.index().size.advisories, 8, 'the last good catalog is kept');
    await svc.stop();
    const again = make();
    await again.start();
    assert.equal(again.index().size.advisories, 8);
    assert.deepEqual([...again.index().advisories.keys()], [...svc.index().advisories.keys()]);
    await again.stop();
  });
});
