/**
 * apt indexes are parsed in the feed worker, as feed documents are: a big or hostile (but validly
 * signed) Packages index neither holds the daemon's thread nor grows its heap; past the worker's
 * heap limit the sync fails naming catalog.workerMemoryMB.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { syncAptRepo } from '../../../daemon/catalog/feeds/apt-repo.js';
import { WorkerFeedParser } from '../../../daemon/catalog/worker-feed-parser.js';
import { oneIndexRepo } from '../../support/one-index-repo.js';

const stanzas = (n: number): Buffer => {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(`Package: p${i}\nVersion: 1.0-${i}\nSource: s${i % 1000} (1.0)\nArchitecture: amd64\n`);
  return Buffer.from(out.join('\n'));
};

/** A repository whose one index holds `n` binaries (gzip, as mirrors serve it). */
const repo = (n: number, memoryMB?: number) => {
  const plain = stanzas(n);
  return oneIndexRepo(new WorkerFeedParser({ memoryMB }), { plain, gz: gzipSync(plain) }, 256 << 20);
};

test('an apt index parsed in the worker comes back whole: every binary, by source', async () => {
  const { spec, ctx } = repo(100_000);
  const res = await syncAptRepo(spec, ctx);
  assert.equal(res.status, 'ok');
  if (res.status !== 'ok') return;
  assert.equal(res.content.advisories.length, 1000);
  assert.equal(
    res.content.advisories.reduce((n, a) => n + a.fixes.length, 0),
    100_000,
  );
  assert.deepEqual(res.content.advisories[7]?.fixes[0], {
    ecosystem: 'dpkg',
    release: 'debian:bookworm',
    package: 'p7',
    packageKind: 'binary',
    fixedVersion: '1.0-7',
    source: 's7',
  });
  assert.match(
    res.content.note ?? '',
    /^100000 packages from 1000 source packages in bookworm .*; signed by test$/,
  );
});

test("an index too big for the worker's heap fails the sync alone, naming the setting", async () => {
  // 30 MB of short stanzas was some 500 MB of the daemon's own heap (and 5 s of its thread; a
  // 200 MB one past the 30 s systemd watchdog), with no limit but the machine's memory.
  const { spec, ctx } = repo(400_000, 64);
  await assert.rejects(
    syncAptRepo(spec, ctx),
    // Refused before a worker parses it (the estimate is named): run out of memory in one big step,
    // a worker takes V8's fatal error and the whole process with it (CI saw it at 64 MiB).
    /parsing the apt example indexes needs more than 64 MiB of memory \(catalog\.workerMemoryMB\): about \d+ MiB for their packages/,
  );
});
