/** Address order, as every page lists machines: numeric IPv4 first, then names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareAddresses, inAddressOrder } from '../../../daemon/discovery/ipv4.js';
import { Rng } from '../../support/prng.js';

test('inAddressOrder sorts as compareAddresses does, keys worked out once per item', () => {
  const r = new Rng(7);
  const labels = Array.from({ length: 500 }, () =>
    r.chance(0.8)
      ? `10.${r.int(3)}.${r.int(256)}.${r.int(256)}`
      : r.pick(['pc-1.lan', 'PC-2.lan', 'printer', 'ap.lan', '10.0.0.300', 'fe80::1']),
  );
  const items = labels.map((label, i) => ({ id: i, label }));
  let labelled = 0;
  const sorted = inAddressOrder(items, (x) => {
    labelled++;
    return x.label;
  });
  assert.equal(labelled, items.length);
  assert.deepEqual(
    sorted.map((x) => x.label),
    labels.slice().sort(compareAddresses),
  );
  assert.deepEqual(
    inAddressOrder(['10.0.0.10', '10.0.0.9', 'b', 'a'], (x) => x),
    ['10.0.0.9', '10.0.0.10', 'a', 'b'],
  );
});

test('inAddressOrder lets the first comparison decide before the address', () => {
  const items = [
    { ring: 2, at: '10.0.0.1' },
    { ring: 1, at: '10.0.0.20' },
    { ring: 1, at: '10.0.0.3' },
  ];
  assert.deepEqual(
    inAddressOrder(
      items,
      (x) => x.at,
      (a, b) => a.ring - b.ring,
    ).map((x) => x.at),
    ['10.0.0.3', '10.0.0.20', '10.0.0.1'],
  );
});
