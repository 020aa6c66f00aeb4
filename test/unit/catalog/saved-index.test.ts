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
import { packedBytes, readPacked } from '../../../daemon/catalog/packed-bytes.js';
import {
  ADVISORY_FIELDS,
  FIX_FIELDS,
  GROUP_FIELDS,
  type PackedColumns,
  PackedFeed,
} from '../../../daemon/catalog/packed-feed.js';
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
import { fuzzRun } from '../../support/fuzz-seed.js';
import { Rng } from '../../support/prng.js';

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

/** The saved index `bytes` with `from` replaced by `to` in its header line only. */
const editHeader = (bytes: Buffer, from: string, to: string): Buffer => {
  const eol = bytes.indexOf(0x0a);
  const line = bytes.subarray(0, eol).toString('utf8');
  assert.ok(line.includes(from), `the header holds ${from}`);
  return Buffer.concat([Buffer.from(line.replace(from, to)), bytes.subarray(eol)]);
};

/**
 * A saved index of `body` under `header` (parsed from line 1) with its checksum made to match, the
 * header line padded to `width` so the body keeps its alignment: an edit only a forger would make.
 */
const sealed = (header: Record<string, unknown>, body: Buffer, width: number): Buffer => {
  header.crc32 = crc32(JSON.stringify(header.meta), crc32(body));
  return Buffer.concat([Buffer.from(`${JSON.stringify(header).padEnd(width, ' ')}\n`), body]);
};

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
      assert.deepEqual(loaded.feed.content(), asStored(content));
      // A header line of another length (hand-edited, say) leaves the body unaligned: still read.
      const file = savedIndexFile(dir, 'debian');
      await writeFile(file, editHeader(await readFile(file), '{"format"', ' {"format"'));
      const unaligned = await loadIndex(dir, 'debian', snapFile);
      assert.equal(unaligned.status, 'loaded');
      if (unaligned.status === 'loaded') assert.deepEqual(unaligned.feed.content(), asStored(content));
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
    saved.addPacked('debian', loaded.feed);
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
    await writeFile(
      file,
      editHeader(await readFile(file), `"version":${SAVED_INDEX_VERSION},`, '"version":0,'),
    );
    assert.deepEqual(await loadIndex(dir, 'debian', snapFile), {
      status: 'stale',
      why: `format version 0, this build reads ${SAVED_INDEX_VERSION}`,
    });
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
    await writeFile(file, editHeader(good, '2026-12-01T00', '2026-12-09T00'));
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /checksum/ });
  });

  it('refuses a file edited with its checksum made to match: numbers out of range, groups that lie', async () => {
    const file = savedIndexFile(dir, 'debian');
    await saveIndex(dir, snapFile, meta(), mixed);
    const good = await readFile(file);
    const eol = good.indexOf(0x0a);
    const edits: [RegExp, (c: PackedColumns) => void][] = [
      [/advisory 0: id or summary out of range/, (c) => (c.advisories[0] = 1e9)],
      [/advisory 1: severity out of range/, (c) => (c.advisories[ADVISORY_FIELDS + 2] = 9)],
      [/advisory 0: string out of range/, (c) => (c.advisories[3] = -5)],
      [/advisory 0: cves out of range/, (c) => (c.advisories[7] = 1e6)],
      [/cve 1 out of range/, (c) => (c.cves[1] = -1)],
      [/fixStart\[1\] out of order/, (c) => (c.fixStart[1] = -1)],
      [/fix 0: a fix without ecosystem, release or package/, (c) => (c.fixes[0] = -1)],
      [/fix 1: kind out of range/, (c) => (c.fixes[FIX_FIELDS + 3] = 2)],
      [/fix 1: severity out of range/, (c) => (c.fixes[FIX_FIELDS + 7] = 6)],
      [/group 0: out of range/, (c) => (c.groups[4] = 99)],
      [/not a fix, or one listed twice/, (c) => (c.order[1] = c.order[0]!)],
      [/fix 0 is not of its group/, (c) => (c.fixes[2] = c.fixes[1]!)],
      [/fix 1 is in no group/, (c) => (c.groups[GROUP_FIELDS + 4] = c.groups[GROUP_FIELDS + 3]!)],
      [/string offset 2 out of order/, (c) => (c.stringOffsets[2] = 1e9)],
    ];
    for (const [message, edit] of edits) {
      const bytes = Buffer.from(good);
      const body = bytes.subarray(eol + 1);
      edit(readPacked(body, assert.fail).columns);
      await writeFile(file, sealed(JSON.parse(bytes.subarray(0, eol).toString('utf8')), body, eol));
      await assert.rejects(loadIndex(dir, 'debian', snapFile), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'STORE_CORRUPT', String(message));
        assert.match(e.message, message);
        return true;
      });
    }
  });

  it('refuses, checksum made to match: an empty group naming no string, a vendor file that is not one, a meta that is not one', async () => {
    const file = savedIndexFile(dir, 'debian');
    await saveIndex(dir, snapFile, meta(), mixed);
    const good = await readFile(file);
    const eol = good.indexOf(0x0a);
    const header = () => JSON.parse(good.subarray(0, eol).toString('utf8'));
    const packed = readPacked(good.subarray(eol + 1), assert.fail);
    const g = packed.groupCount;
    for (const [message, extra] of [
      [new RegExp(`group ${g}: release or package out of range`), [1e9, 0, 0, 0, 0]],
      [new RegExp(`group ${g}: release or package out of range`), [0, 1, -1, 0, 0]],
      [new RegExp(`group ${g}: kind out of range`), [0, 7, 0, 0, 0]],
    ] as const) {
      // A group of no fixes: nothing else in the file disagrees with it.
      const groups = Int32Array.from([...packed.columns.groups, ...extra]);
      const body = Buffer.concat(packedBytes(new PackedFeed({ ...packed.columns, groups }, packed.extra)));
      const h = header();
      h.bodyBytes = body.length;
      await writeFile(file, sealed(h, body, eol));
      await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message });
    }
    // Its vendor files are what firmware staging and the Feeds page read: each must be one.
    for (const files of [[null], [{ ...mixed.files![0], name: '../../etc/shadow' }], [{ name: 'f.bin' }]]) {
      const extra = { ...packed.extra, files } as never;
      const body = Buffer.concat(packedBytes(new PackedFeed(packed.columns, extra)));
      const h = header();
      h.bodyBytes = body.length;
      await writeFile(file, sealed(h, body, eol));
      await assert.rejects(loadIndex(dir, 'debian', snapFile), {
        code: 'STORE_CORRUPT',
        message: /file 0 is not a vendor file/,
      });
    }
    for (const edit of [
      (m: Record<string, unknown>) => (m.kind = 'gopher'),
      (m: Record<string, unknown>) => (m.state = 'etag'),
      (m: Record<string, unknown>) => delete m.syncedAt,
    ]) {
      const h = header();
      edit(h.meta);
      await writeFile(file, sealed(h, good.subarray(eol + 1), eol));
      await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /meta/ });
    }
  });

  it('refuses an empty file, one with bytes appended (3 GiB too), and a header that lies about the body', async () => {
    const file = savedIndexFile(dir, 'debian');
    await saveIndex(dir, snapFile, meta(), mixed);
    const good = await readFile(file);
    const eol = good.indexOf(0x0a);
    await writeFile(file, '');
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /header/ });
    await writeFile(file, Buffer.concat([good, Buffer.alloc(4096)]));
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /bytes/ });
    // 3 GiB (sparse): refused from its header and size, never read into memory.
    await writeFile(file, good);
    await truncate(file, 3 * 2 ** 30);
    await assert.rejects(loadIndex(dir, 'debian', snapFile), {
      code: 'STORE_CORRUPT',
      message: new RegExp(`${3 * 2 ** 30 - eol - 1} bytes, header says`),
    });
    for (const bodyBytes of [2 ** 53, -1, 'a lot', null]) {
      const h = JSON.parse(good.subarray(0, eol).toString('utf8'));
      h.bodyBytes = bodyBytes;
      await writeFile(file, sealed(h, good.subarray(eol + 1), eol));
      await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /bytes/ });
    }
    // The body's own counts say 2^31 - 1 strings: refused by its length, nothing allocated for it.
    const body = Buffer.from(good.subarray(eol + 1));
    new Int32Array(body.buffer, body.byteOffset, 8)[1] = 2 ** 31 - 1;
    await writeFile(file, sealed(JSON.parse(good.subarray(0, eol).toString('utf8')), body, eol));
    await assert.rejects(loadIndex(dir, 'debian', snapFile), { code: 'STORE_CORRUPT', message: /counts/ });
  });
});

describe('saved feed index: any word of the body changed, checksum made to match', () => {
  it('loads, or refuses with STORE_CORRUPT; what loads indexes and reads back without throwing', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-saved-index-fuzz-'));
    try {
      const snapFile = join(dir, 'snapshot.json');
      await writeFile(snapFile, 'the snapshot');
      await saveIndex(dir, snapFile, meta(), {
        ...mixed,
        advisories: [...mixed.advisories, ...tracker.advisories.slice(0, 20)],
      });
      const file = savedIndexFile(dir, 'debian');
      const good = await readFile(file);
      const eol = good.indexOf(0x0a);
      const run = fuzzRun(300);
      t.diagnostic(`replay with ${run.replay}`);
      const rng = new Rng(run.seed);
      let refused = 0;
      for (let i = 0; i < run.count; i++) {
        const bytes = Buffer.from(good);
        const body = bytes.subarray(eol + 1);
        const words = new Int32Array(body.buffer, body.byteOffset, Math.floor(body.length / 4));
        for (let k = rng.between(1, 3); k > 0; k--) {
          const w = rng.int(words.length);
          words[w] = rng.pick([
            -2,
            -1,
            0,
            1,
            2,
            7,
            1e6,
            2 ** 31 - 1,
            -(2 ** 31),
            words[w]! + 1,
            words[w]! - 1,
          ]);
        }
        await writeFile(file, sealed(JSON.parse(bytes.subarray(0, eol).toString('utf8')), body, eol));
        try {
          const loaded = await loadIndex(dir, 'debian', snapFile);
          assert.equal(loaded.status, 'loaded', run.replay);
          if (loaded.status !== 'loaded') continue;
          const index = new CatalogIndex(1);
          index.addPacked('debian', loaded.feed);
          for (const rel of index.releases.values())
            for (const [, refs] of rel.source) for (const r of refs) void [r.advisory.url, r.advisory.cves];
          JSON.stringify(loaded.feed.content());
        } catch (err) {
          assert.equal(
            (err as { code?: string }).code,
            'STORE_CORRUPT',
            `${run.replay}: ${(err as Error).stack}`,
          );
          refused++;
        }
      }
      assert.ok(refused > run.count / 2, `most edits are found (${refused} of ${run.count})`);
    } finally {
      await rm(dir, { recursive: true, force: true });
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
    assert.deepEqual(loaded.kept?.meta, meta());
    assert.deepEqual(loaded.kept?.feed.content(), asStored(tracker));

    const file = savedIndexFile(dir, 'debian');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length / 2));
    const repaired = await store.load('debian');
    assert.equal(parses, 1);
    assert.match(repaired.rebuilt ?? '', /saved index damaged/);
    assert.deepEqual(repaired.kept?.feed.content().advisories, asStored(tracker).advisories);
    await store.load('debian');
    assert.equal(parses, 1, 'the rebuilt index was saved and is used again');

    const second: Snapshot = { meta: meta('2026-12-02T00:00:00.000Z'), content: mixed };
    await store.put(second);
    const next = await store.load('debian');
    assert.equal(parses, 1);
    assert.deepEqual(next.kept?.meta, second.meta);
    assert.deepEqual(next.kept?.feed.content(), asStored(mixed));

    await rm(file);
    assert.match((await store.load('debian')).rebuilt ?? '', /no saved index/);
    assert.equal(parses, 2);
    await store.delete('debian');
    assert.deepEqual(await store.load('debian'), { kept: undefined });

    await store.put(second);
    await rm(snapshotFiles(join(dir, 'feeds')).file('debian'));
    assert.deepEqual(await store.load('debian'), { kept: undefined }, 'never served without its snapshot');
    await assert.rejects(readFile(file), { code: 'ENOENT' }, 'and removed');
  });

  it('rebuilds an index saved in the previous format (version 2, JSON columns) and uses the new one after', async () => {
    const store = new SnapshotStore(dir, parser);
    await store.start();
    await store.put({ meta: meta(), content: mixed });
    const file = savedIndexFile(dir, 'debian');
    const eol = (await readFile(file)).indexOf(0x0a);
    const header = JSON.parse((await readFile(file)).subarray(0, eol).toString('utf8'));
    const body = Buffer.from('{"strings":[],"ids":[],"fixStart":[0],"fixes":[]}\n');
    Object.assign(header, {
      version: 2,
      bodyBytes: body.length,
      crc32: crc32(JSON.stringify(header.meta), crc32(body)),
    });
    await writeFile(file, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body]));
    const before = parses;
    const loaded = await store.load('debian');
    assert.match(loaded.rebuilt ?? '', /format version 2, this build reads 3/);
    assert.equal(parses, before + 1, 'parsed from the snapshot');
    assert.deepEqual(loaded.kept?.feed.content().advisories, asStored(mixed).advisories);
    const again = await store.load('debian');
    assert.equal(again.rebuilt, undefined);
    assert.equal(parses, before + 1, 'the index saved in the new format serves the next start');
    assert.deepEqual(again.kept?.feed.content().advisories, asStored(mixed).advisories);
  });
});
