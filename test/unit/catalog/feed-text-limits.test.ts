/**
 * A feed's names and versions have bounds (text-limits.ts): a hostile upstream's 16 MB advisory id,
 * package name or version, which every page, CSV row and API item naming a missing fix would carry
 * once per host, rejects the feed with where and how long, in every feed format; names at the
 * bound still go through.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { aptIndexesContent } from '../../../daemon/catalog/feeds/apt-packages.js';
import { parseDocument } from '../../../daemon/catalog/feeds/parse-document.js';
import { MAX_NAME_CHARS, MAX_VERSION_CHARS } from '../../../daemon/catalog/feeds/text-limits.js';
import type { FeedContent } from '../../../daemon/catalog/model.js';
import { PackedFeed } from '../../../daemon/catalog/packed-feed.js';
import { publicKeyBase64, signEnvelope } from '../../../daemon/catalog/signatures.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const ctx = {
  trustedKeys: [publicKeyBase64(publicKey)],
  now: new Date('2026-06-01T00:00:00Z'),
  maxUnpackedBytes: 64 << 20,
};
const long = (n: number, c = 'a') => c.repeat(n);
const HUGE = 4 * 1024 * 1024;

const osv = (id: string, pkg: string, fixed: string) =>
  Buffer.from(
    JSON.stringify({
      id,
      modified: '2026-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: pkg },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
        },
      ],
    }),
  );

const tracker = (pkg: string, id: string, release: string, fixed: string) =>
  Buffer.from(
    JSON.stringify({
      [pkg]: {
        [id]: { releases: { [release]: { status: 'resolved', fixed_version: fixed, urgency: 'low' } } },
      },
    }),
  );

const manifest = (
  id: string,
  pkg: string,
  fixed: string,
  file: Record<string, unknown> = {},
  advisory: Record<string, unknown> = {},
) =>
  Buffer.from(
    JSON.stringify(
      signEnvelope(
        Buffer.from(
          JSON.stringify({
            format: 'patch-depot-manifest/1',
            issuer: 'Example Networks',
            issuedAt: '2026-05-30T10:00:00Z',
            sequence: 1,
            files: [
              {
                vendor: 'Example Networks',
                product: 'EX-24',
                version: '4.2.1',
                name: 'ex24.bin',
                sha256: 'a'.repeat(64),
                size: 10,
                ...file,
              },
            ],
            advisories: [
              {
                id,
                fixes: [
                  { ecosystem: 'firmware', release: 'example:ex24', package: pkg, fixedVersion: fixed },
                ],
                ...advisory,
              },
            ],
          }),
        ),
        privateKey,
      ),
    ),
  );

const advisoryIds = (content: FeedContent | PackedFeed): string[] =>
  content instanceof PackedFeed
    ? Array.from({ length: content.count }, (_, a) => content.advisoryId(a))
    : content.advisories.map((a) => a.id);

const refused = (kind: 'osv' | 'debian-tracker' | 'depot-manifest', body: Buffer, message: RegExp) => {
  assert.throws(
    () => parseDocument(kind, body, ctx),
    (err: Error) => {
      assert.match(err.message, message, kind);
      assert.ok(err.message.length < 400, `the message is short: ${err.message.length}`);
      return true;
    },
  );
};

test('OSV: a huge advisory id, package name or fixed version refuses the feed, saying where and how long', () => {
  refused(
    'osv',
    osv(`DSA-${long(HUGE, '9')}`, 'expat', '1.0-1'),
    /^OSV: advisory: id "DSA-9+…" is 4194308 characters long; at most 256/,
  );
  refused(
    'osv',
    osv('DSA-1', long(HUGE), '1.0-1'),
    /^OSV: DSA-1: package name "a+…" is 4194304 characters long/,
  );
  refused(
    'osv',
    osv('DSA-1', 'expat', `1.${long(HUGE, '0')}`),
    /^OSV: DSA-1 expat: fixed version "1\.0+…" is 4194306/,
  );
  const ok = parseDocument(
    'osv',
    osv(
      `DSA-${long(MAX_NAME_CHARS - 4, '1')}`,
      long(MAX_NAME_CHARS),
      `1.${long(MAX_VERSION_CHARS - 2, '0')}`,
    ),
    ctx,
  );
  assert.equal(advisoryIds(ok.content).length, 1, 'names at the bound go through');
});

test('Debian tracker: a huge package key, CVE id, release name or fixed_version refuses the feed', () => {
  refused(
    'debian-tracker',
    tracker(long(HUGE), 'CVE-2026-1234', 'bookworm', '1.0-1'),
    /^Debian security tracker: \(root\): package name "a+…" is 4194304 characters long/,
  );
  refused(
    'debian-tracker',
    tracker('expat', `CVE-2026-${long(HUGE, '1')}`, 'bookworm', '1.0-1'),
    /^Debian security tracker: expat: id "CVE-2026-1+…" is 4194313 characters long/,
  );
  refused(
    'debian-tracker',
    tracker('expat', 'CVE-2026-1234', long(300_000, 'b'), '1.0-1'),
    /releases: release name "b+…" is 300000 characters long/,
  );
  refused(
    'debian-tracker',
    tracker('expat', 'CVE-2026-1234', 'bookworm', `1.${long(300_000, '0')}`),
    /expat\.CVE-2026-1234\.releases\.bookworm: fixed_version "1\.0+…" is 300002 characters long/,
  );
  const ok = parseDocument(
    'debian-tracker',
    tracker(long(MAX_NAME_CHARS), 'CVE-2026-1234', 'bookworm', `1.${long(MAX_VERSION_CHARS - 2, '0')}`),
    ctx,
  );
  assert.deepEqual(advisoryIds(ok.content), ['CVE-2026-1234']);
});

test('a signed manifest: a valid signature does not make a huge advisory id or package name acceptable', () => {
  refused(
    'depot-manifest',
    manifest(long(HUGE, 'X'), 'EX-24', '4.2.1'),
    /^Patch Depot manifest: advisory: id "X+…" is 4194304 characters long/,
  );
  refused(
    'depot-manifest',
    manifest('EXN-1', long(HUGE, 'P'), '4.2.1'),
    /^Patch Depot manifest: EXN-1: package name "P+…"/,
  );
  refused(
    'depot-manifest',
    manifest('EXN-1', 'EX-24', '4.2.1', {}, { summary: long(HUGE, 'S') }),
    /^Patch Depot manifest: EXN-1: summary "S+…" is 4194304 characters long; at most 2000/,
  );
  assert.deepEqual(
    advisoryIds(parseDocument('depot-manifest', manifest('EXN-1', 'EX-24', '4.2.1'), ctx).content),
    ['EXN-1'],
  );
  refused(
    'depot-manifest',
    manifest('EXN-1', 'EX-24', '4.2.1', { name: long(HUGE) }),
    // A file name has its own, tighter rule (a name a device can be served under, at most 128).
    /^Patch Depot manifest: files\.0\.name: a plain file name \(letters, digits, \. _ \+ -, at most 128/,
  );
  refused(
    'depot-manifest',
    manifest('EXN-1', 'EX-24', '4.2.1', { models: ['EX-24', long(1000, 'M')] }),
    /^Patch Depot manifest: files\.0: model "M+…" is 1000 characters long/,
  );
});

test('an apt repository: a signed Release does not make a huge package name or version acceptable either', () => {
  const rel = {
    codename: 'bookworm',
    suite: 'stable',
    label: 'Example',
    origin: 'Example',
    date: new Date(),
  };
  const index = (name: string, version: string) => ({
    what: 'apt example',
    release: 'debian:bookworm',
    rel,
    indexes: [
      { path: 'main/binary-amd64/Packages', bytes: Buffer.from(`Package: ${name}\nVersion: ${version}\n\n`) },
    ],
  });
  assert.throws(
    () => aptIndexesContent(index(long(HUGE), '1.0-1')),
    /apt example: advisory: id "bookworm\/a+…" is 4194319 characters long/,
  );
  assert.throws(
    () => aptIndexesContent(index('demo', `1.${long(1000, '0')}`)),
    /apt example: advisory: id "bookworm\/demo_1\.0+…" is 1016 characters long/,
  );
  assert.equal(aptIndexesContent(index('demo', '1.0-1')).advisories.length, 1);
});
