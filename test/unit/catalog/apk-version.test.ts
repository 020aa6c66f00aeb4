import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareApk, isValidApkVersion } from '../../../daemon/catalog/versions/apk-version.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('apk version order', () => {
  // Pairs in the style of apk-tools' test/version.data ("a < b").
  const ordered: [string, string][] = [
    ['1.0', '1.1'],
    ['1.0', '1.0.1'],
    ['1.0_alpha1', '1.0_beta1'],
    ['1.0_beta1', '1.0_pre1'],
    ['1.0_pre1', '1.0_rc1'],
    ['1.0_rc1', '1.0'],
    ['1.0', '1.0_cvs1'],
    ['1.0_cvs1', '1.0_svn1'],
    ['1.0_git1', '1.0_hg1'],
    ['1.0_hg1', '1.0_p1'],
    ['1.0', '1.0a'],
    ['1.0a', '1.0b'],
    ['1.0a', '1.0.1'],
    ['1.0-r0', '1.0-r1'],
    ['1.0-r9', '1.0-r10'],
    ['1.0_rc1-r5', '1.0-r0'],
    ['1.01', '1.1'],
    ['1.001', '1.01'],
    ['3.0.8-r0', '3.0.12-r0'],
    ['2.4.57-r0', '2.4.58-r0'],
    ['1.2_p1', '1.2.1'],
  ];
  for (const [a, b] of ordered) {
    it(`${a} < ${b}`, () => {
      assert.equal(compareApk(a, b), -1);
      assert.equal(compareApk(b, a), 1);
    });
  }
  it('treats identical strings and equal tokens as equal', () => {
    assert.equal(compareApk('1.2.3-r4', '1.2.3-r4'), 0);
    assert.equal(compareApk('1.2.3', '1.2.3-r0'), -1);
  });

  it('validates the grammar', () => {
    for (const v of ['1', '1.2.3', '1.2a', '1.2_rc3', '1.2_p20240101-r3', '2.38.1-r0'])
      assert.ok(isValidApkVersion(v), v);
    for (const v of ['', 'a1', '1..2', '1.2_foo', '1.2-3', '1.2-r', '1.2_rc1a', '1.2 '])
      assert.ok(!isValidApkVersion(v), v);
  });

  const valid = fc
    .tuple(
      fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 4 }),
      fc.option(fc.constantFrom('a', 'b', 'z')),
      fc.array(
        fc.tuple(
          fc.constantFrom('alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p'),
          fc.option(fc.nat({ max: 9 })),
        ),
        { maxLength: 2 },
      ),
      fc.option(fc.nat({ max: 12 })),
    )
    .map(([nums, letter, suffixes, rev]) => {
      let v = nums.join('.');
      if (letter) v += letter;
      for (const [s, n] of suffixes) v += `_${s}${n ?? ''}`;
      if (rev !== null) v += `-r${rev}`;
      return v;
    });

  it('generated versions are valid, and the order is antisymmetric and transitive', () => {
    fc.assert(
      fc.property(valid, valid, valid, (a, b, c) => {
        assert.ok(isValidApkVersion(a), a);
        assert.equal(sign(compareApk(a, b)) + sign(compareApk(b, a)), 0);
        const [x, y, z] = [a, b, c].sort(compareApk) as [string, string, string];
        assert.ok(compareApk(x, z) <= 0, `${x} <= ${y} <= ${z} but ${x} > ${z}`);
      }),
      { numRuns: 5000 },
    );
  });
});
