/**
 * jsonMembers against JSON.parse: on generated documents, and on the same documents cut or with
 * a byte changed, walking members must give what JSON.parse gives, or fail where it fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonMembers } from '../../../daemon/catalog/feeds/json-members.js';

const walk = (text: string | Uint8Array, expect: 'object' | 'array'): unknown => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  // Each value parsed as it comes, as the feed parsers do.
  const members = Array.from(jsonMembers(bytes, 'doc', expect), (m) => [m.key, m.parse()] as const);
  return expect === 'object' ? Object.fromEntries(members) : members.map(([, v]) => v);
};

/** What JSON.parse says about `bytes` when it must be an object or array; undefined = invalid. */
const oracle = (bytes: Uint8Array, expect: 'object' | 'array'): { ok: unknown } | undefined => {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    const isArray = Array.isArray(v);
    if (typeof v !== 'object' || v === null || isArray !== (expect === 'array')) return undefined;
    return { ok: v };
  } catch {
    return undefined;
  }
};

const docs = fc.oneof(
  fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue()).map((v) => ['object', v] as const),
  fc.array(fc.jsonValue()).map((v) => ['array', v] as const),
);

describe('walking JSON members', () => {
  it('gives what JSON.parse gives, in any layout', () => {
    fc.assert(
      fc.property(docs, fc.constantFrom(undefined, 0, 2, '\t'), ([expect, value], space) => {
        const text = JSON.stringify(value, null, space);
        assert.deepEqual(walk(` \n${text}\r\n`, expect), JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('ends nested strings at the right quote after runs of backslashes', () => {
    for (let run = 0; run <= 5; run++) {
      const value = { k: { a: `x${'\\'.repeat(run)}`, b: `"${'\\'.repeat(run)}"}]`, c: ['\\"', '}'] }, z: 1 };
      const text = JSON.stringify(value);
      assert.deepEqual(walk(text, 'object'), value, text);
    }
    assert.throws(() => walk('{"k": {"a": "x\\"}', 'object'), /doc: not valid JSON/);
  });

  it('fails where JSON.parse fails, and agrees where it does not, on damaged documents', () => {
    fc.assert(
      fc.property(
        docs,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        ([expect, value], at, byte, cut) => {
          const bytes = Buffer.from(JSON.stringify(value));
          const i = at % (bytes.length + 1);
          const damaged = cut
            ? bytes.subarray(0, i)
            : Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
          const expected = oracle(damaged, expect);
          if (expected) assert.deepEqual(walk(damaged, expect), expected.ok);
          else assert.throws(() => walk(damaged, expect), /doc: not valid JSON/);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('names the problem and where it is', () => {
    assert.throws(
      () => walk('{"a": 1} x', 'object'),
      /doc: not valid JSON: unexpected data after the end at byte 9/,
    );
    assert.throws(() => walk('[1, 2', 'array'), /doc: not valid JSON: unexpected end at byte 5/);
    assert.throws(() => walk('{"a": [1}', 'object'), /doc: not valid JSON: .*\(in bytes 6-9\)/);
    assert.throws(() => walk('[]', 'object'), /doc: not valid JSON: expected an object at byte 0/);
    // No single value bigger than 32 MiB is handed to JSON.parse, which cannot be interrupted.
    const huge = Buffer.alloc((33 << 20) + 4, 0x78);
    huge.write('["', 0);
    huge.write('"]', huge.length - 2);
    assert.throws(
      () => walk(huge, 'array'),
      /doc: a single JSON value of \d+ bytes is over the 32 MiB parsed at once/,
    );
  });
});
