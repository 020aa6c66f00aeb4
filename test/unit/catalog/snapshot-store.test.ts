/**
 * Snapshots are written in pieces and read one advisory at a time; both must agree with one
 * JSON.stringify / JSON.parse, and files written whole by earlier versions must still load.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Advisory } from '../../../daemon/catalog/model.js';
import { packFeed } from '../../../daemon/catalog/pack-feed.js';
import { readSnapshotFile, type Snapshot, snapshotJson } from '../../../daemon/catalog/snapshot-store.js';

const advisory = (i: number): Advisory => ({
  id: `CVE-2025-${10000 + i}`,
  cves: [`CVE-2025-${10000 + i}`],
  summary: `issue "${i}"\n`,
  severity: 'high',
  url: undefined,
  fixes: [
    {
      ecosystem: 'dpkg',
      release: 'debian:bookworm',
      package: 'curl',
      packageKind: 'source',
      fixedVersion: `7.${i}`,
    },
  ],
});

const snapshot = (advisories: Advisory[], extra: Partial<Snapshot['content']> = {}): Snapshot => ({
  meta: {
    feedId: 'debian',
    kind: 'debian-tracker',
    origin: 'network',
    syncedAt: '2026-11-23T00:00:00.000Z',
    state: { etag: '"1"' },
    bytes: 10,
  },
  content: { advisories, ...extra },
});

describe('snapshot JSON in pieces', () => {
  for (const [name, snap] of [
    ['no advisories', snapshot([])],
    ['one piece', snapshot([advisory(1)], { note: '1 CVE' })],
    [
      'many pieces, with vendor files',
      snapshot(
        Array.from({ length: 1234 }, (_, i) => advisory(i)),
        {
          note: 'many',
          files: [
            { vendor: 'v', product: 'p', version: '1', name: 'f.bin', sha256: 'a'.repeat(64), size: 1 },
          ],
        },
      ),
    ],
  ] as const) {
    it(name, () => {
      const pieces = [...snapshotJson(snap)];
      assert.deepEqual(JSON.parse(pieces.join('')), JSON.parse(JSON.stringify(snap)));
      assert.ok(pieces.length >= 2 + Math.ceil(snap.content.advisories.length / 500));
    });
  }

  it('writes a packed feed as the same JSON as its advisories, made a piece at a time', () => {
    const snap = snapshot(
      Array.from({ length: 1234 }, (_, i) => advisory(i)),
      {
        note: 'many',
        files: [{ vendor: 'v', product: 'p', version: '1', name: 'f', sha256: 'a'.repeat(64), size: 1 }],
      },
    );
    const packed = { meta: snap.meta, content: packFeed(snap.content) };
    const pieces = [...snapshotJson(packed)];
    assert.ok(pieces.length >= 2 + Math.ceil(1234 / 500));
    assert.deepEqual(JSON.parse(pieces.join('')), JSON.parse(JSON.stringify(snap)));
  });

  it('reads back what was written, in pieces or whole, and refuses a damaged file', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-snapshot-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const snap = snapshot(
      Array.from({ length: 1234 }, (_, i) => advisory(i)),
      { note: 'many' },
    );
    const expected = JSON.parse(JSON.stringify(snap));
    delete expected.content.note; // only the envelope is kept on load; the note lives in meta
    const file = join(dir, 'debian.json');
    await writeFile(file, snapshotJson(snap));
    assert.deepEqual(await readSnapshotFile(file), expected);
    await writeFile(file, JSON.stringify(snap));
    assert.deepEqual(await readSnapshotFile(file), expected, 'a snapshot written whole by an older version');
    assert.equal(await readSnapshotFile(join(dir, 'none.json')), undefined);
    await writeFile(file, JSON.stringify(snap).slice(0, -40));
    await assert.rejects(readSnapshotFile(file), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'STORE_CORRUPT');
      assert.match(e.message, /debian\.json: .*not valid JSON/);
      return true;
    });
  });
});
