/**
 * The saved index: what it loads is exactly what the snapshot holds, a damaged file is refused
 * with STORE_CORRUPT, one built from another snapshot (or by another format version) is stale,
 * and the snapshot store falls back to parsing the snapshot and saves the index anew.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { hostFactory, realPackages, trackerJson } from '../../../bench/assess/generate.js';
import { assessHost } from '../../../daemon/assess/assess.js';
import { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import { parseDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';
import type { FeedContent, SnapshotMeta } from '../../../daemon/catalog/model.js';
import {
  loadIndex,
  SAVED_INDEX_VERSION,
  savedIndexFile,
  saveIndex,
} from '../../../daemon/catalog/saved-index.js';
import {
  readSnapshotFile,
  type Snapshot,
  SnapshotStore,
  snapshotFiles,
} from '../../../daemon/catalog/snapshot-store.js';

const meta = (syncedAt = '2026-12-01T00:00:00.000Z'): SnapshotMeta => ({
  feedId: 'debian',
  kind: 'debian-tracker',
  origin: 'network',
  syncedAt,
  state: { etag: '"7"' },
  bytes: 1234,
  note: 'n',
});

/** What a snapshot file gives back: undefined fields dropped, as JSON does. */
const asStored = (c: FeedContent): FeedContent => JSON.parse(JSON.stringify(c));

const pkgs = realPackages();
const tracker = parseDebianTracker(trackerJson(pkgs, 3000));
const mixed: FeedContent = {
  note: 'mixed',
  advisories: [
    {
      id: 'DSA-5532-1',
      cves: ['CVE-2023-1', 'CVE-2023-2'],
      summary: 'openssl "security" update\nline two',
      severity: 'high',
      published: '2023-10-01',
      url: 'https://example.invalid/advisories/dsa-5532',
      fixes: [
        {
          ecosystem: 'dpkg',
          release: 'debian:bookworm',
          package: 'libssl3',
          packageKind: 'binary',
          fixedVersion: '3.0.11-1~deb12u1',
          source: 'openssl',
        },
        {
          ecosystem: 'apk',
          release: 'alpine:3.19',
          package: 'openssl',
          packageKind: 'source',
          introduced: '3.0.0',
          severity: 'critical',
        },
      ],
    },
    { id: 'GHSA-x', cves: [], summary: '', severity: 'unknown', fixes: [] },
  ],
  files: [{ vendor: 'v', product: 'p', version: '1', name: 'f.bin', sha256: 'a'.repeat(64), size: 1 }],
};

describe('saved feed index', () => {
  let dir: string;
  let snapFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-saved-index-'));
    snapFile = join(dir, 'snapshot.json');
    await writeFile(snapFile, 'the snapshot');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [name, content] of [
    ['a tracker', tracker],
    ['every optional field', mixed],
    ['an empty feed', { advisories: [] } as FeedContent],
  ] as const) {
    it(`round trip: ${name}`, async () => {
      await saveIndex(dir, snapFile, meta(), content);
      const loaded = await loadIndex(dir, 'debian', snapFile);
      assert.equal(loaded.status, 'loaded');
      if (loaded.status !== 'loaded') return;
      assert.deepEqual(loaded.meta, meta());
      assert.deepEqual(loaded.content, asStored(content));
    });
  }

  it('assesses hosts exactly as the index built from the parsed feed does', async () => {
    await saveIndex(dir, snapFile, meta(), tracker);
    const loaded = await loadIndex(dir, 'debian', snapFile);
    assert.equal(loaded.status, 'loaded');
    if (loaded.status !== 'loaded') return;
    const fresh = new CatalogIndex(1);
    fresh.add('debian', tracker.advisories);
    const saved = new CatalogIndex(1);
    saved.add('debian', loaded.content.advisories);
    const host = hostFactory(pkgs, 400);
    let missing = 0;
    for (let i = 0; i < 20; i++) {
      const a = assessHost(host(i), fresh);
      assert.deepEqual(asStored(assessHost(host(i), saved) as never), asStored(a as never));
      missing += a.findings.count;
    }
    assert.ok(missing > 0, 'the sample hosts miss fixes, so the comparison means something');
  });

  it('is stale once the snapshot file changes, or when written by another format version', async () => {
    await saveIndex(dir, snapFile, meta(), mixed);
    await utimes(snapFile, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(await loadIndex(dir, 'debian', snapFile), {
      status: 'stale',
      why: 'built from another snapshot',
    });
    await saveIndex(dir, snapFile, meta(), mixed);
    const file = savedIndexFile(dir, 'debian');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(`"version":${SAVED_INDEX_VERSION},`, '"version":0,'));
    assert.equal((await loadIndex(dir, 'debian', snapFile)).status, 'stale');
    await rm(snapFile);
    assert.equal((await loadIndex(dir, 'debian', snapFile)).status, 'stale');
    await writeFile(snapFile, 'the snapshot');
    assert.equal((await loadIndex(dir, 'other', snapFile)).status, 'missing');
  });

  it('refuses a damaged file: flipped byte, truncation, foreign header', async () => {
    const file = savedIndexFile(dir, 'debian');
    await saveIndex(dir, snapFile, meta(), tracker);
    const good = await readFile(file);
    const flipped = Buffer.from(good);
    const at = good.length - 200;
    flipped[at] = flipped[at] === 0x31 ? 0x32 : 0x31;
    await writeFile(file, flipped);
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /checksum/ });
    await writeFile(file, good);
    await truncate(file, good.length - 10);
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /bytes/ });
    await writeFile(file, '{"not":"an index"}\n{}');
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT' });
    await writeFile(file, '\u0000\u0001garbage');
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /header/ });
    // A flipped digit in the header's sync time is still valid JSON: the checksum covers it too.
    await writeFile(file, good.toString('utf8').replace('2026-12-01T00', '2026-12-09T00'));
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /checksum/ });
  });

  it('refuses a file edited with its checksum made to match: wrong types, fixStart out of order', async () => {
    const file = savedIndexFile(dir, 'debian');
    await saveIndex(dir, snapFile, meta(), mixed);
    const [headerLine, bodyLine] = (await readFile(file, 'utf8')).split('\n') as [string, string];
    const edits: [string, (b: Record<string, unknown[]>) => void][] = [
      ['ids', (b) => (b.ids![0] = 42)],
      ['summaries', (b) => (b.summaries![0] = { html: '<b>' })],
      ['cves', (b) => (b.cves![0] = 'CVE-2024-1')],
      ['published', (b) => (b.published![0] = 7)],
      ['fixes', (b) => (b.fixes![0] = 'dpkg')],
      ['fixStart', (b) => (b.fixStart![1] = -1)],
      ['a fix without', (b) => (b.fixes![0] = -1)],
    ];
    for (const [what, edit] of edits) {
      const body = JSON.parse(bodyLine) as Record<string, unknown[]>;
      edit(body);
      const bytes = Buffer.from(`${JSON.stringify(body)}\n`);
      const header = JSON.parse(headerLine);
      Object.assign(header, {
        bodyBytes: bytes.length,
        crc32: crc32(JSON.stringify(header.meta), crc32(bytes)),
      });
      await writeFile(file, `${JSON.stringify(header)}\n${bytes}`);
      await assert.rejects(loadIndex(dir, 'debian', snapFile), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'STORE_CORRUPT', what);
        assert.match(e.message, new RegExp(what.split(' ').at(-1)!), what);
        return true;
      });
    }
  });
});

describe('snapshot store with its saved index', () => {
  let dir: string;
  let parses = 0;
  const parser = {
    snapshot: (feedsDir: string, feedId: string) => {
      parses++;
      return readSnapshotFile(snapshotFiles(feedsDir).file(feedId));
    },
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-saved-index-store-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('loads from the index without parsing, rebuilds a damaged or missing one, follows new snapshots', async () => {
    const store = new SnapshotStore(dir, parser);
    const leftover = `${savedIndexFile(dir, 'debian')}.tmp-999999999-0a0b0c0d`;
    await mkdir(join(dir, 'index'), { recursive: true });
    await writeFile(leftover, 'half an index from a save cut short');
    await store.start();
    await assert.rejects(readFile(leftover), { code: 'ENOENT' }, 'swept at start');
    const first: Snapshot = { meta: meta(), content: tracker };
    await store.put(first);
    const loaded = await store.load('debian');
    assert.equal(parses, 0, 'served by the saved index');
    assert.equal(loaded.rebuilt, undefined);
    assert.deepEqual(loaded.snapshot, { meta: meta(), content: asStored(tracker) });

    const file = savedIndexFile(dir, 'debian');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length / 2));
    const repaired = await store.load('debian');
    assert.equal(parses, 1);
    assert.match(repaired.rebuilt ?? '', /saved index damaged/);
    assert.deepEqual(repaired.snapshot?.content.advisories, asStored(tracker).advisories);
    await store.load('debian');
    assert.equal(parses, 1, 'the rebuilt index was saved and is used again');

    const second: Snapshot = { meta: meta('2026-12-02T00:00:00.000Z'), content: mixed };
    await store.put(second);
    const next = await store.load('debian');
    assert.equal(parses, 1);
    assert.deepEqual(next.snapshot, { meta: second.meta, content: asStored(mixed) });

    await rm(file);
    assert.match((await store.load('debian')).rebuilt ?? '', /no saved index/);
    assert.equal(parses, 2);
    await store.delete('debian');
    assert.deepEqual(await store.load('debian'), { snapshot: undefined });

    await store.put(second);
    await rm(snapshotFiles(join(dir, 'feeds')).file('debian'));
    assert.deepEqual(
      await store.load('debian'),
      { snapshot: undefined },
      'never served without its snapshot',
    );
    await assert.rejects(readFile(file), { code: 'ENOENT' }, 'and removed');
  });
});
