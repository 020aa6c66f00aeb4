/**
 * The tracker is parsed one package member at a time and each entry validated by hand: every kind
 * of malformed entry is refused with a message naming its full path, and the layout of the JSON
 * (compact or indented, escapes in strings) changes nothing in the result.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realPackages, trackerJson } from '../../../bench/assess/generate.js';
import { parseDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';

const good = () => ({
  curl: {
    'CVE-2025-0725': {
      description: 'a "quoted" \\ description',
      scope: 'remote',
      debianbug: 1234,
      releases: {
        bookworm: {
          status: 'resolved',
          fixed_version: '7.88.1-10+deb12u16',
          urgency: 'medium',
          repositories: { bookworm: '7.88.1-10+deb12u16' },
          nodsa: 'Minor issue',
        },
        sid: { status: 'open', urgency: 'low**' },
      },
    },
  },
});

type Doc = ReturnType<typeof good>;
type Release = Record<string, unknown>;
const bookworm = (d: Doc) => d.curl['CVE-2025-0725'].releases.bookworm as Release;

/** A damage that edits the good document in place. */
const edit =
  (f: (d: Doc) => unknown) =>
  (d: Doc): unknown => {
    f(d);
    return d;
  };

const cases: [string, (d: Doc) => unknown, RegExp][] = [
  [
    'bad package key',
    (d) => ({ 'Not A Package': d.curl }),
    /^Debian security tracker: Not A Package: invalid key: not a Debian source package name$/,
  ],
  [
    'package not an object',
    () => ({ curl: [1] }),
    /^Debian security tracker: curl: expected an object, got an array$/,
  ],
  [
    'bad CVE id',
    (d) => ({ curl: { 'CVE-25-1': d.curl['CVE-2025-0725'] } }),
    /curl\.CVE-25-1: invalid key: not a CVE or TEMP id/,
  ],
  [
    'entry null',
    () => ({ curl: { 'CVE-2025-0725': null } }),
    /curl\.CVE-2025-0725: expected an object, got null/,
  ],
  [
    'no releases',
    () => ({ curl: { 'CVE-2025-0725': { description: 'x' } } }),
    /curl\.CVE-2025-0725\.releases: expected an object, got undefined/,
  ],
  [
    'description a number',
    edit((d) => ((d.curl['CVE-2025-0725'] as Release).description = 5)),
    /curl\.CVE-2025-0725\.description: expected a string, got number/,
  ],
  [
    'debianbug fractional',
    edit((d) => ((d.curl['CVE-2025-0725'] as Release).debianbug = 1.5)),
    /\.debianbug: expected an integer/,
  ],
  [
    'release name',
    edit((d) => ((d.curl['CVE-2025-0725'].releases as Release).Bookworm = {})),
    /releases\.Bookworm: invalid key: release names are lower-case codenames/,
  ],
  [
    'status unknown',
    edit((d) => (bookworm(d).status = 'fixed')),
    /releases\.bookworm\.status: expected one of resolved, open, undetermined, got "fixed"/,
  ],
  [
    'status missing',
    edit((d) => delete bookworm(d).status),
    /releases\.bookworm\.status: expected one of .*got undefined/,
  ],
  [
    'empty fixed_version',
    edit((d) => (bookworm(d).fixed_version = '')),
    /releases\.bookworm\.fixed_version: expected a non-empty string/,
  ],
  [
    'fixed_version with a space',
    edit((d) => (bookworm(d).fixed_version = '7.88 1')),
    /releases\.bookworm\.fixed_version "7\.88 1": version string has embedded spaces/,
  ],
  [
    'resolved without version',
    edit((d) => delete bookworm(d).fixed_version),
    /releases\.bookworm: resolved without fixed_version/,
  ],
  [
    'urgency missing',
    edit((d) => delete bookworm(d).urgency),
    /releases\.bookworm\.urgency: expected a string, got undefined/,
  ],
  [
    'repositories not strings',
    edit((d) => (bookworm(d).repositories = { bookworm: 1 })),
    /releases\.bookworm\.repositories\.bookworm: expected a version string/,
  ],
  [
    'nodsa not a string',
    edit((d) => (bookworm(d).nodsa = true)),
    /releases\.bookworm\.nodsa: expected a string, got boolean/,
  ],
];

describe('Debian tracker, streamed and validated per entry', () => {
  it('accepts a well-formed entry, ignoring fields it does not know', () => {
    const d = good();
    (bookworm(d) as Release).new_field = { anything: [1] };
    const c = parseDebianTracker(JSON.stringify(d));
    assert.equal(c.advisories.length, 1);
    assert.equal(c.advisories[0]?.summary, 'a "quoted" \\ description');
    assert.equal(c.advisories[0]?.fixes.length, 2);
  });

  for (const [name, damage, message] of cases) {
    it(`refuses ${name}, naming where`, () => {
      const doc = damage(good());
      assert.throws(
        () => parseDebianTracker(JSON.stringify(doc)),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'BAD_INPUT');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('one bad entry among thousands rejects the whole feed', () => {
    const doc = JSON.parse(trackerJson(realPackages(), 2000)) as Record<string, Record<string, Release>>;
    const last = Object.keys(doc).at(-1)!;
    const cve = Object.keys(doc[last]!)[0]!;
    (doc[last]![cve]!.releases as Record<string, Release>).bookworm!.status = 'maybe';
    assert.throws(
      () => parseDebianTracker(JSON.stringify(doc)),
      new RegExp(`${last.replace(/[+.]/g, '\\$&')}\\.${cve}\\.releases\\.bookworm\\.status`),
    );
  });

  it('gives the same result whatever the layout of the JSON', () => {
    const text = trackerJson(realPackages(), 2000);
    const compact = parseDebianTracker(text);
    assert.equal(compact.advisories.length, 2000);
    assert.deepEqual(parseDebianTracker(JSON.stringify(JSON.parse(text), null, 2)), compact);
    assert.deepEqual(parseDebianTracker(Buffer.from(`\n ${text}\r\n`)), compact);
  });
});
