/** safeNext: the sign-in redirect target stays on the appliance and is stable when fed back in. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { safeNext } from '../../../web/middleware/session.js';

const BASE = 'http://appliance.invalid';
/** One slash, then anything but another slash or a backslash (or nothing: "/"). */
const SINGLE_SLASH = /^\/(?![/\\])/;

/** Pieces that make URLs resolve in surprising ways, glued together at random. */
const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '/',
        '//',
        '\\',
        '.',
        '..',
        '%2e',
        '%2E%2e',
        '%2f',
        '%5c',
        '?',
        '#',
        '&',
        '=',
        ':',
        '@',
      ),
      fc.constantFrom('\t', '\n', '\r', ' ', '\u0000', '\u007f', '\u0085', '\u2028', '%', '%0', '%09'),
      fc.constantFrom('evil.com', 'a', 'http:', 'https://', 'javascript:', '[::1]', 'é', 'ﬀ'),
      fc.string({ maxLength: 4, unit: 'grapheme-composite' }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** Absolute paths built from segments: empty and dot segments are where `//` comes back. */
const paths = fc
  .array(fc.constantFrom('', '', '.', '..', '%2e', '%2e%2E', 'a', 'evil.com', '\\', '\t', '?x=/'), {
    maxLength: 6,
  })
  .map((segments) => `/${segments.join('/')}`);

test('safeNext(safeNext(x)) === safeNext(x), and the result is a same-origin path', () => {
  fc.assert(
    fc.property(fc.oneof(paths, tricky, fc.string({ unit: 'binary' })), (input) => {
      const once = safeNext(input);
      assert.equal(safeNext(once), once, `not idempotent for ${JSON.stringify(input)}`);
      assert.match(once, SINGLE_SLASH);
      assert.equal(new URL(once, BASE).origin, BASE);
    }),
    { numRuns: 5000 },
  );
});

test('safeNext keeps ordinary paths and refuses the known escapes', () => {
  assert.equal(safeNext('/assets', '?q=printer'), '/assets?q=printer');
  assert.equal(safeNext('/patches/feeds#top'), '/patches/feeds');
  for (const hostile of [
    '/..//evil.com',
    '/.//evil.com',
    '//evil.com/',
    '/\\evil.com',
    '/\t/evil.com',
    'https://evil.com',
    'javascript:alert(1)',
  ]) {
    const out = safeNext(hostile);
    assert.ok(out === '/' || new URL(out, BASE).origin === BASE, `${hostile} -> ${out}`);
    assert.match(out, SINGLE_SLASH, hostile);
  }
  assert.equal(safeNext('/..//evil.com'), '/');
});
