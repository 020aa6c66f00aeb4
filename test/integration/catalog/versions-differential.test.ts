/**
 * Our comparators against the real tools on thousands of generated and real version pairs. The
 * rpm half runs only where rpm is installed (.ci/apt-packages.txt lists it) and says so when not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareDpkg } from '../../../daemon/catalog/versions/dpkg-version.js';
import { compareRpm } from '../../../daemon/catalog/versions/rpm-version.js';
import { dpkgPairs, realDebianVersions, rpmPairs } from '../../unit/catalog/version-gen.js';
import { dpkgCompareMany, hasCommand, rpmCompareMany } from './version-oracles.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

const disagreements = (pairs: [string, string][], ours: (a: string, b: string) => number, theirs: number[]) =>
  pairs
    .map(([a, b], i) => ({ a, b, ours: sign(ours(a, b)), theirs: theirs[i] }))
    .filter((d) => d.ours !== d.theirs);

describe('version comparison agrees with the package managers', async () => {
  const haveDpkg = await hasCommand('dpkg', ['--version']);
  const haveRpm = await hasCommand('rpm', ['--version']);

  it('dpkg --compare-versions: 4,000 generated and real pairs', {
    skip: !haveDpkg && 'dpkg not installed',
  }, async () => {
    const pairs = dpkgPairs(20261123, 4000, realDebianVersions());
    const theirs = await dpkgCompareMany(pairs);
    assert.equal(theirs.length, pairs.length);
    assert.deepEqual(disagreements(pairs, compareDpkg, theirs).slice(0, 10), []);
    // The pairs must exercise all three outcomes, or the test proves little.
    for (const outcome of [-1, 0, 1])
      assert.ok(theirs.filter((t) => t === outcome).length > 50, `outcome ${outcome}`);
  });

  it('rpm.vercmp: 5,000 generated EVR pairs with ~ and ^', {
    skip: !haveRpm && 'rpm not installed (apt-get install rpm)',
  }, async () => {
    const pairs = rpmPairs(4242, 5000);
    const theirs = await rpmCompareMany(pairs);
    assert.equal(theirs.length, pairs.length);
    assert.deepEqual(disagreements(pairs, compareRpm, theirs).slice(0, 10), []);
    for (const outcome of [-1, 0, 1])
      assert.ok(theirs.filter((t) => t === outcome).length > 50, `outcome ${outcome}`);
  });
});
