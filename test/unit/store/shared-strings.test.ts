/** Shared strings: equal strings held once, values untouched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StringPool, shareStringsInPieces } from '../../../daemon/store/shared-strings.js';

test('a pool replaces each later copy of a string, in objects and arrays, and changes no value', () => {
  const out = (n: number) => `Setting up openssl (3.0.15-1~deb12u1) ...\n${'x'.repeat(n)}`;
  const doc = {
    a: out(3),
    list: [{ stdout: out(3), code: 0, ok: true, none: null }, [out(3), out(4), 7]],
    nested: { deeper: { s: out(4) } },
  };
  const before = structuredClone(doc);
  const pool = new StringPool();
  assert.deepEqual(pool.share(doc), before);
  assert.equal(pool.replaced, 3, 'out(3) twice and out(4) once were copies');
  // Numbers, booleans and null are values, not copies.
  assert.equal(new StringPool().share(5), 5);
  assert.equal(new StringPool().share(null), null);
});

test('in pieces: the list is shared item by item, with turns between, the rest at once', async () => {
  const hosts = Array.from({ length: 1000 }, (_, i) => ({ id: `h${i}`, out: 'same output', n: i }));
  const doc = { title: 'same output', hosts };
  const before = structuredClone(doc);
  // A callback that comes back at every turn of the event loop, until the sharing is done.
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const replaced = await shareStringsInPieces(doc, 'hosts', 100);
  done = true;
  assert.equal(replaced, 1000, "every host's copy of the title's string");
  assert.deepEqual(doc, before);
  assert.ok(turns > 0, 'the event loop ran between pieces');
});
