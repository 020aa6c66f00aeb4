/**
 * The apt adapter against a hostile (but validly signed) repository: indexes as big as
 * catalog.maxUnpackedMB lets through, shaped to be costly: the cost grows with the index, not with
 * its square, and the indexes are parsed by the feed parser (a worker thread in the daemon).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packagesToContent, parsePackagesIndex } from '../../../daemon/catalog/feeds/apt-packages.js';
import type { AptRelease } from '../../../daemon/catalog/feeds/apt-release.js';
import { syncAptRepo } from '../../../daemon/catalog/feeds/apt-repo.js';
import { InProcessFeedParser } from '../../fakes/in-process-feed-parser.js';
import { oneIndexRepo } from '../../support/one-index-repo.js';

const stanzas = (n: number, source: (i: number) => string): string => {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(`Package: p${i}\nVersion: 1.0-${i}\nSource: ${source(i)}\nArchitecture: amd64\n`);
  return out.join('\n');
};

const RELEASE: AptRelease = {
  origin: 'Example',
  label: 'Example',
  suite: 'stable',
  codename: 'bookworm',
  version: '',
  date: new Date('2026-11-23T00:00:00Z'),
  acquireByHash: false,
  components: ['main'],
  architectures: ['amd64'],
  sha256: new Map(),
};

test('binaries of one source are folded into its advisory at a constant cost each, each binary once', () => {
  // Each binary was looked for among the source's fixes so far: 100,000 of them held the
  // daemon's thread for 83 s, past the 30 s systemd watchdog (the daemon killed on every sync).
  // Work is counted, not timed: each look at a binary's name.
  const n = 5000;
  let looks = 0;
  const packages = parsePackagesIndex(
    'test',
    stanzas(n, () => 'x (1)'),
  ).map((p) => {
    const { name, ...rest } = p;
    return Object.defineProperty(rest, 'name', {
      enumerable: true,
      get: () => {
        looks++;
        return name;
      },
    }) as typeof p;
  });
  // The same binary listed again (another architecture's list): still one fix.
  packages.push(...packages.slice(0, 10));
  const content = packagesToContent(RELEASE, 'debian:bookworm', packages);
  assert.ok(looks <= 3 * packages.length, `${looks} looks at the names of ${packages.length} binaries`);
  assert.equal(content.advisories.length, 1);
  const fixes = content.advisories[0]!.fixes;
  assert.equal(fixes.length, n);
  assert.deepEqual(
    fixes.slice(0, 2).map((f) => [f.package, f.fixedVersion, f.source]),
    [
      ['p0', '1.0-0', 'x'],
      ['p1', '1.0-1', 'x'],
    ],
  );
});

test('an index of 150,000 binaries syncs: they are not passed to a call one argument each', async () => {
  // packages.push(...index): past some 130,000 arguments V8 throws "Maximum call stack size
  // exceeded", and the sync failed with that (Debian's main index for one architecture is 65,000).
  const index = Buffer.from(stanzas(150_000, (i) => `s${i}`));
  const parser = new InProcessFeedParser();
  const { spec, ctx } = oneIndexRepo(parser, { plain: index });
  const res = await syncAptRepo(spec, ctx);
  assert.equal(res.status, 'ok');
  if (res.status === 'ok') assert.equal(res.content.advisories.length, 150_000);
  // Parsed by the feed parser (a worker thread in the daemon), not on the daemon's own thread.
  assert.deepEqual(parser.ran, ['apt']);
});
