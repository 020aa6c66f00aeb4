/** Snapshots are written in pieces; the pieces must add up to the same JSON as one stringify. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Advisory } from '../../../daemon/catalog/model.js';
import { type Snapshot, snapshotJson } from '../../../daemon/catalog/snapshot-store.js';

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
});
