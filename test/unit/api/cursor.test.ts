/**
 * Keyset pages: a walk through a list sees every item once even when items are added or removed
 * between pages; garbage or future cursors are refused with a message; limits are clamped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clampLimit,
  decodeCursor,
  encodeCursor,
  keysetPage,
  parseSince,
} from '../../../daemon/api/cursor.js';
import type { DepotError } from '../../../daemon/errors.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

const walk = (list: string[][], limit: number, between?: (list: string[][]) => void): string[] => {
  const seen: string[] = [];
  let after: string[] | undefined;
  for (;;) {
    const page = keysetPage(list, (k) => k, after, limit, NOW);
    seen.push(...page.items.map((k) => k.join('/')));
    if (!page.next) return seen;
    after = decodeCursor(page.next, list[0]!.length, NOW);
    between?.(list);
  }
};

test('pages cover the list once, in order, at any page size', () => {
  const list = Array.from({ length: 23 }, (_, i) => [`h-${String(i).padStart(2, '0')}`]);
  for (const limit of [1, 5, 23, 500]) {
    assert.deepEqual(
      walk(list, limit),
      list.map((k) => k[0]),
    );
  }
  assert.deepEqual(
    keysetPage([], (k: string[]) => k, undefined, 10, NOW),
    { items: [], next: null },
  );
});

test('items added or removed between pages neither shift nor repeat what follows', () => {
  const list = Array.from({ length: 10 }, (_, i) => ['h', String(i)]);
  let round = 0;
  const seen = walk(list, 3, (l) => {
    round++;
    if (round === 1) l.splice(0, 2); // two already seen are removed
    if (round === 2) l.unshift(['a', 'new']); // one sorts before the cursor: the next walk gets it
    if (round === 3) l.push(['z', 'late']); // one sorts after: this walk gets it
  });
  assert.deepEqual(seen, [...Array.from({ length: 10 }, (_, i) => `h/${i}`), 'z/late']);
});

test('a cursor that is garbage, of another list or from the future is refused with a message', () => {
  const refused = (raw: string, width: number, message: RegExp) =>
    assert.throws(
      () => decodeCursor(raw, width, NOW),
      (err: DepotError) => err.code === 'BAD_INPUT' && message.test(err.message),
    );
  refused('not a cursor!', 1, /^after: not a cursor this appliance gave out; pass the "next" value/);
  refused('eyJ2IjoxfQ', 1, /not a cursor this appliance gave out/);
  refused(Buffer.from('{"v":1,"k":["a"],"t":1').toString('base64url'), 1, /not a cursor/);
  refused('A'.repeat(9000), 1, /not a cursor/);
  refused(encodeCursor(['a', 'b'], NOW), 1, /a cursor of another list/);
  refused(
    encodeCursor(['a'], NOW + 3_600_000),
    1,
    /a cursor from the future \(issued 2026-12-01T13:00:00.000Z/,
  );
  assert.deepEqual(
    decodeCursor(encodeCursor(['h-1'], NOW + 30_000), 1, NOW),
    ['h-1'],
    'a little clock skew is fine',
  );
  assert.equal(decodeCursor(undefined, 1, NOW), undefined);
  assert.equal(decodeCursor('', 1, NOW), undefined);
});

test('limit: absent is the default, huge or tiny is clamped, not a number is refused', () => {
  assert.equal(clampLimit(undefined), 100);
  assert.equal(clampLimit('25'), 25);
  assert.equal(clampLimit('1000000000000000000000000'), 500);
  assert.equal(clampLimit('0'), 1);
  for (const bad of ['-5', '1e3', 'ten', '2.5']) {
    assert.throws(
      () => clampLimit(bad),
      (err: DepotError) => err.code === 'BAD_INPUT' && /^limit: expected a whole number/.test(err.message),
    );
  }
});

test('since: absent is 0 (everything), a whole number is taken, anything else is refused', () => {
  assert.equal(parseSince(undefined), 0);
  assert.equal(parseSince('1764800000123'), 1764800000123);
  for (const bad of ['-1', 'abc', '1.5', '0x10', '12345678901234567']) {
    assert.throws(
      () => parseSince(bad),
      (err: DepotError) => err.code === 'BAD_INPUT' && /^since: expected a sequence number/.test(err.message),
    );
  }
});
