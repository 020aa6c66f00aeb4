/**
 * The apt adapter against a hostile (but validly signed) repository: indexes as big as
 * catalog.maxUnpackedMB lets through, shaped to be costly. The sync runs on the daemon's own
 * thread, so its cost must grow with the index, not with its square.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AptRelease } from '../../../daemon/catalog/feeds/apt-release.js';
import { packagesToContent, parsePackagesIndex } from '../../../daemon/catalog/feeds/apt-repo.js';

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
