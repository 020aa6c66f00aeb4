import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareRpm, parseRpmEvr, rpmvercmp } from '../../../daemon/catalog/versions/rpm-version.js';
import { Rng } from '../../support/prng.js';
import { genRpmEvr } from './version-gen.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('rpm version order', () => {
  // From rpm's tests/rpmvercmp.at.
  const cases: [string, string, -1 | 0 | 1][] = [
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0.1a', '2.0.1', 1],
    ['5.5p1', '5.5p10', -1],
    ['10xyz', '10.1xyz', -1],
    ['xyz10', 'xyz10.1', -1],
    ['xyz.4', '8', -1],
    ['1.0010', '1.9', 1],
    ['1.05', '1.5', 0],
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~rc1~git123', '1.0~rc1', -1],
    ['1.0^', '1.0', 1],
    ['1.0^git1', '1.0', 1],
    ['1.0^git1', '1.01', -1],
    ['1.0^20160101', '1.0.1', -1],
    ['1.0~rc1^git1', '1.0~rc1', 1],
    ['1.0^git1~pre', '1.0^git1', -1],
    ['1b.fc17', '1.fc17', -1],
    ['1.0', '1.0_1', -1],
    ['1.0_1', '1.0.1', 0],
  ];
  for (const [a, b, want] of cases) {
    it(`rpmvercmp(${a}, ${b}) = ${want}`, () => {
      assert.equal(rpmvercmp(a, b), want);
      assert.equal(sign(rpmvercmp(b, a)), sign(-want));
    });
  }

  it('compares epoch first, then version, then release only when both have one', () => {
    assert.equal(compareRpm('1:1.0-1', '2.0-1'), 1);
    assert.equal(compareRpm('0:1.0-1', '1.0-1'), 0);
    assert.equal(compareRpm('1.0', '1.0-5'), -1);
    assert.equal(compareRpm('3.0.7-24.el9', '3.0.7-27.el9'), -1);
    assert.deepEqual(parseRpmEvr('2:3.0.7-27.el9'), { epoch: '2', version: '3.0.7', release: '27.el9' });
  });

  const evr = fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((seed) => genRpmEvr(new Rng(seed), true));

  it('is reflexive and antisymmetric', () => {
    fc.assert(
      fc.property(evr, evr, (a, b) => {
        assert.equal(compareRpm(a, a), 0);
        assert.equal(sign(compareRpm(a, b)) + sign(compareRpm(b, a)), 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('is transitive when every EVR has a release', () => {
    fc.assert(
      fc.property(evr, evr, evr, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(compareRpm) as [string, string, string];
        assert.ok(compareRpm(x, y) <= 0 && compareRpm(y, z) <= 0);
        assert.ok(compareRpm(x, z) <= 0, `${x} <= ${y} <= ${z} but ${x} > ${z}`);
      }),
      { numRuns: 5000 },
    );
  });
});
