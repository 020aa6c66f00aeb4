import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePackages, parseRelease } from '../../../daemon/cache/apt-index.js';
import { DownloadWindows, parseWindow } from '../../../daemon/cache/download-window.js';
import { LineSplitter } from '../../../daemon/cache/index-lines.js';
import { directTarget } from '../../../daemon/cache/proxy-server.js';
import { TokenBucket } from '../../../daemon/cache/token-bucket.js';
import { isMutable, UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { FakeClock } from '../../fakes/cache-upstream.js';

test('allow-list prefixes end at a path segment', () => {
  const allow = new UpstreamAllowList(['http://mirror.test/debian']);
  assert.equal(allow.allows(new URL('http://mirror.test/debian/pool/x.deb')), true);
  assert.equal(allow.allows(new URL('http://mirror.test/debian-evil/x.deb')), false);
  assert.equal(allow.allows(new URL('http://mirror.test.evil/debian/x.deb')), false);
  assert.equal(allow.allows(new URL('https://mirror.test/debian/x.deb')), false);
  assert.throws(() => allow.check('http://u:p@mirror.test/debian/x'), /credentials/);
  assert.throws(
    () => new UpstreamAllowList([]).check('http://mirror.test/debian/x'),
    /no upstreams are allowed/,
  );
});

test('apt index files are mutable, pool and by-hash files are not', () => {
  const m = (p: string) => isMutable(new URL(`http://m.test/debian/${p}`));
  assert.equal(m('dists/bookworm/InRelease'), true);
  assert.equal(m('dists/bookworm/main/binary-amd64/Packages.xz'), true);
  assert.equal(m('dists/bookworm/main/i18n/Translation-en.bz2'), true);
  assert.equal(m(`dists/bookworm/main/binary-amd64/by-hash/SHA256/${'a'.repeat(64)}`), false);
  assert.equal(m('pool/main/h/hello/hello_2.10-3_amd64.deb'), false);
});

test('Release and Packages parsing', () => {
  const rel = parseRelease(
    `Origin: Debian\nMD5Sum:\n 0123 12 main/Packages\nSHA256:\n ${'b'.repeat(64)}   1234 main/binary-amd64/Packages.xz\n ${'c'.repeat(64)} 99 main/binary-amd64/Release\nAcquire-By-Hash: yes\n`,
  );
  assert.deepEqual([...rel.keys()], ['main/binary-amd64/Packages.xz', 'main/binary-amd64/Release']);
  assert.deepEqual(rel.get('main/binary-amd64/Packages.xz'), { sha256: 'b'.repeat(64), size: 1234 });
  const pk = parsePackages(
    `Package: a\nFilename: pool/main/a/a_1_all.deb\nSize: 10\nSHA256: ${'d'.repeat(64)}\n\nPackage: b\nFilename: pool/main/b/b_1_all.deb\nSize: 5\n`,
  );
  assert.deepEqual([...pk.keys()], ['pool/main/a/a_1_all.deb'], 'stanzas without a hash are skipped');
});

test('download windows, including ones that wrap past midnight', () => {
  const w = new DownloadWindows(['22:00-06:00']);
  const at = (h: number, m = 0) => new Date(2026, 0, 5, h, m);
  assert.equal(w.isOpen(at(23)), true);
  assert.equal(w.isOpen(at(3)), true);
  assert.equal(w.isOpen(at(12)), false);
  assert.equal(w.msUntilOpen(at(21, 30)), 30 * 60_000);
  assert.equal(new DownloadWindows([]).isOpen(at(12)), true);
  assert.throws(() => parseWindow('25:00-01:00'), /HH:MM-HH:MM/);
  assert.throws(() => parseWindow('10:00-10:00'), /empty/);
});

test('the token bucket spends its burst, then paces at the configured rate', async () => {
  const clock = new FakeClock(0);
  const bucket = new TokenBucket(100_000, clock);
  await bucket.take(100_000); // the burst
  assert.equal(clock.t, 0);
  await bucket.take(50_000);
  assert.equal(clock.t, 500);
  await bucket.take(250_000); // larger than the burst: paid in instalments
  assert.equal(clock.t, 3000);
  const unlimited = new TokenBucket(0, clock);
  await unlimited.take(10 ** 9);
  assert.equal(clock.t, 3000);
});

test('direct /cache/<host>/<path> URLs map to the mirror; UI paths do not', () => {
  assert.equal(directTarget('/cache/mirror.test/debian/pool/x.deb'), 'http://mirror.test/debian/pool/x.deb');
  assert.equal(directTarget('/cache/mirror.test:8080/x'), 'http://mirror.test:8080/x');
  assert.equal(directTarget('/cache/-/live'), undefined);
  assert.equal(directTarget('/cache'), undefined);
});

test('index lines: split across chunks, an over-long line skipped whole, memory one line', () => {
  const split = new LineSplitter(16);
  assert.deepEqual(split.push(Buffer.from('Size: 1')), []);
  assert.deepEqual(split.push(Buffer.from('0\nFile')), ['Size: 10']);
  assert.deepEqual(split.push(Buffer.from(`name: a\n${'x'.repeat(40)}`)), ['Filename: a']);
  assert.deepEqual(split.push(Buffer.from('y'.repeat(40))), [], 'past 16 bytes: dropped, not kept');
  assert.deepEqual(split.push(Buffer.from('z\n\nSHA256: b')), [''], 'the long line ends: only the blank one');
  assert.deepEqual(split.end(), ['SHA256: b']);
});
