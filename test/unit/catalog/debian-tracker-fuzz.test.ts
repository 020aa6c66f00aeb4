/**
 * The tracker parser against a hostile upstream: the fixture tracker mutated at random (bytes
 * flipped, structure inserted, cut short, slices repeated, values swapped for other JSON types,
 * `__proto__` and `constructor` keys). Each mutant is a clear BAD_INPUT feed error or a feed that
 * reads back; never a TypeError, a RangeError or a hang. FUZZ_SEED/FUZZ_COUNT replay a run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';
import { DepotError } from '../../../daemon/errors.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { Rng } from '../../support/prng.js';
import { fixture } from './version-gen.js';

const PIECES = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '"__proto__":{}',
  '"constructor":',
  'null',
  '1e999',
  '-0',
  '"\\ud800"',
  '[[[[[[',
  '{"status":1}',
  '"releases":[]',
  '\u0000',
  '\xff',
  'true',
];

const mutate = (rng: Rng, doc: Buffer): Buffer => {
  const at = rng.int(doc.length + 1);
  switch (rng.int(6)) {
    case 0: {
      const copy = Buffer.from(doc);
      if (at < copy.length) copy[at] = rng.int(256);
      return copy;
    }
    case 1:
      return Buffer.concat([
        doc.subarray(0, at),
        Buffer.from(PIECES[rng.int(PIECES.length)]!),
        doc.subarray(at),
      ]);
    case 2:
      return doc.subarray(0, at);
    case 3: {
      const end = Math.min(doc.length, at + rng.int(400));
      return Buffer.concat([doc.subarray(0, end), doc.subarray(at, end), doc.subarray(end)]);
    }
    case 4: {
      // A string value swapped for another JSON type.
      const text = doc.toString('latin1');
      const from = text.indexOf(': "', at);
      if (from < 0) return doc;
      const to = text.indexOf('"', from + 3);
      const other = ['1', 'null', '[]', '{}', '{"a":[1]}', '""', 'false'][rng.int(7)]!;
      return Buffer.from(text.slice(0, from + 2) + other + text.slice(to + 1), 'latin1');
    }
    default:
      return Buffer.concat([doc.subarray(0, at), rng.bytes(rng.int(20)), doc.subarray(at)]);
  }
};

test('a mutated tracker is a BAD_INPUT feed error or a feed that reads back, nothing else', (t) => {
  const run = fuzzRun(1500);
  t.diagnostic(`replay: ${run.replay}`);
  const rng = new Rng(run.seed);
  const doc: Buffer = Buffer.from(fixture('catalog/debian-tracker.json'));
  let refused = 0;
  for (let i = 0; i < run.count; i++) {
    let body: Buffer = doc;
    for (let k = 1 + rng.int(3); k > 0; k--) body = mutate(rng, body);
    try {
      const feed = packDebianTracker(body);
      for (const a of feed.content().advisories) assert.equal(typeof a.id, 'string');
    } catch (err) {
      if (!(err instanceof DepotError) || err.code !== 'BAD_INPUT')
        assert.fail(
          `mutant ${i} (${run.replay}) threw ${(err as Error).stack}\n${body.toString('latin1').slice(0, 300)}`,
        );
      refused++;
    }
  }
  assert.ok(refused > 0 && refused < run.count, `${refused} of ${run.count} refused`);
});
