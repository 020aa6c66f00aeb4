import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareDpkg, parseDpkgVersion } from '../../../daemon/catalog/versions/dpkg-version.js';
import { Rng } from '../../support/prng.js';
import { genDpkgVersion, realDebianVersions } from './version-gen.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('dpkg version order', () => {
  // Cases from dpkg's own test suite (lib/dpkg/t/t-version.c) and Debian Policy 5.6.12.
  const cases: [string, string, -1 | 0 | 1][] = [
    ['1.0', '1.0', 0],
    ['0:1.0', '1.0', 0],
    ['1.0-0', '1.0', 0],
    ['1.0', '1.0-1', -1],
    ['1:0.1', '2.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~~', '1.0~~a', -1],
    ['1.0~~a', '1.0~', -1],
    ['1.0~', '1.0', -1],
    ['1.0', '1.0a', -1],
    ['1.0a', '1.0+', -1],
    ['1.0+', '1.0.', -1],
    ['1.0', '1.00', 0],
    ['1.002', '1.2', 0],
    ['1.10', '1.9', 1],
    ['2.36-9+deb12u13', '2.36-9+deb12u14', -1],
    ['3.0.11-1~deb12u2', '3.0.11-1', -1],
    ['1:9.18.28-1~deb12u2', '1:9.18.33-1~deb12u2', -1],
    ['7.88.1-10+deb12u12', '7.88.1-10+deb12u5', 1],
    ['1.2.3-1a', '1.2.3-1', 1],
    ['1.0-1-2', '1.0-1-10', -1],
    ['a', '1', 1],
    ['99999999999999999999999', '99999999999999999999998', 1],
  ];
  for (const [a, b, want] of cases) {
    it(`${a} vs ${b} = ${want}`, () => {
      assert.equal(sign(compareDpkg(a, b)), want);
      assert.equal(sign(compareDpkg(b, a)), sign(-want));
    });
  }

  it('parses epoch, upstream and revision like dpkg (revision after the last hyphen)', () => {
    assert.deepEqual(parseDpkgVersion('2:1.0-1-3'), { epoch: 2, upstream: '1.0-1', revision: '3' });
    assert.deepEqual(parseDpkgVersion('  1.0 '), { epoch: 0, upstream: '1.0', revision: '' });
    assert.deepEqual(parseDpkgVersion('1:2:3'), { epoch: 1, upstream: '2:3', revision: '' });
  });

  it('rejects what dpkg rejects, with its reason', () => {
    assert.deepEqual(parseDpkgVersion(''), { error: 'version string is empty' });
    assert.deepEqual(parseDpkgVersion('a:1'), { error: 'epoch in version is not a number' });
    assert.deepEqual(parseDpkgVersion('1:'), { error: 'nothing after colon in version number' });
    assert.deepEqual(parseDpkgVersion('1.0-'), { error: 'revision number is empty' });
    assert.deepEqual(parseDpkgVersion('abc'), { error: 'version number does not start with digit' });
    assert.deepEqual(parseDpkgVersion('1.0 2'), { error: 'version string has embedded spaces' });
    assert.deepEqual(parseDpkgVersion('1.0-a_b'), { error: 'invalid character in revision number' });
  });

  it('accepts every real Debian version in the fixture', () => {
    for (const v of realDebianVersions()) assert.ok(!('error' in parseDpkgVersion(v)), v);
  });

  const version = fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((seed) => genDpkgVersion(new Rng(seed)));
  const anyVersion = fc.oneof(version, fc.constantFrom(...realDebianVersions()));

  it('is reflexive and antisymmetric', () => {
    fc.assert(
      fc.property(anyVersion, anyVersion, (a, b) => {
        assert.equal(compareDpkg(a, a), 0);
        assert.equal(sign(compareDpkg(a, b)) + sign(compareDpkg(b, a)), 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('is transitive (a total preorder)', () => {
    fc.assert(
      fc.property(anyVersion, anyVersion, anyVersion, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(compareDpkg) as [string, string, string];
        assert.ok(compareDpkg(x, y) <= 0 && compareDpkg(y, z) <= 0);
        assert.ok(compareDpkg(x, z) <= 0, `${x} <= ${y} <= ${z} but ${x} > ${z}`);
        if (compareDpkg(x, y) === 0 && compareDpkg(y, z) === 0) assert.equal(compareDpkg(x, z), 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('sorts the real versions consistently whatever the input order', () => {
    const real = realDebianVersions();
    const a = [...real].sort(compareDpkg);
    const b = [...real].reverse().sort(compareDpkg);
    for (let i = 0; i < a.length; i++) assert.equal(compareDpkg(a[i]!, b[i]!), 0);
    for (let i = 1; i < a.length; i++) assert.ok(compareDpkg(a[i - 1]!, a[i]!) <= 0);
  });
});
