/** ExpectedHashes: what apt's indexes say each file holds, kept compactly and within a bound. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ExpectedHashes } from '../../../daemon/cache/apt-index.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const MIRROR = 'http://mirror.test/debian/';

test('expected hashes read back as they were set, sizes included or not', () => {
  const e = new ExpectedHashes(1 << 20);
  e.set(`${MIRROR}a.deb`, { sha256: sha('a'), size: 7 });
  e.set(`${MIRROR}b`, { sha256: sha('b') });
  e.set(`${MIRROR}big.deb`, { sha256: sha('big'), size: 6_000_000_000 });
  assert.deepEqual(e.get(`${MIRROR}a.deb`), { sha256: sha('a'), size: 7 });
  assert.deepEqual(e.get(`${MIRROR}b`), { sha256: sha('b') });
  assert.deepEqual(e.get(`${MIRROR}big.deb`), { sha256: sha('big'), size: 6_000_000_000 });
  assert.equal(e.get(`${MIRROR}c`), undefined);
  assert.equal(e.contradicts(`${MIRROR}a.deb`, sha('a')), undefined);
  assert.deepEqual(e.contradicts(`${MIRROR}a.deb`, sha('x')), { sha256: sha('a'), size: 7 });
  e.set(`${MIRROR}a.deb`, { sha256: sha('a2'), size: 8 });
  assert.deepEqual(e.get(`${MIRROR}a.deb`), { sha256: sha('a2'), size: 8 });
  assert.equal(e.size, 3);
  // Not a SHA-256 in lower-case hex: no expectation rather than a wrong one.
  for (const bad of ['', 'abc', sha('z').toUpperCase(), `${sha('z').slice(0, 63)}g`, `${sha('z')}00`])
    e.set(`${MIRROR}bad`, { sha256: bad });
  assert.equal(e.get(`${MIRROR}bad`), undefined);
});

test('past its bound the names learnt longest ago are forgotten first; one learnt again is new', () => {
  const e = new ExpectedHashes(1 << 20, 1500);
  for (let i = 0; i < 1500; i++) e.set(`${MIRROR}p${i}.deb`, { sha256: sha(`p${i}`), size: i });
  e.set(`${MIRROR}p0.deb`, { sha256: sha('p0'), size: 0 }); // learnt again: the newest now
  for (let i = 1500; i < 5000; i++) e.set(`${MIRROR}p${i}.deb`, { sha256: sha(`p${i}`), size: i });
  assert.equal(e.size, 1500);
  assert.equal(e.get(`${MIRROR}p1.deb`), undefined, 'the oldest is forgotten');
  assert.equal(e.get(`${MIRROR}p3499.deb`), undefined);
  for (const i of [3501, 4000, 4999])
    assert.deepEqual(e.get(`${MIRROR}p${i}.deb`), { sha256: sha(`p${i}`), size: i });
  assert.equal(e.get(`${MIRROR}p0.deb`), undefined, 'refreshed once, then forgotten in its turn');
});

test('a Release file teaches its index names and their by-hash aliases; both are bounded', async () => {
  const e = new ExpectedHashes(1 << 20, 4);
  const release = (names: string[]) =>
    Buffer.from(
      `Origin: Test\nSHA256:\n${names.map((n) => ` ${sha(n)} ${n.length} main/binary-amd64/${n}\n`).join('')}`,
    );
  const url = new URL(`${MIRROR}dists/stable/Release`);
  assert.equal(await e.learn(url, release(['Packages', 'Packages.xz'])), 2);
  const byHash = `${MIRROR}dists/stable/main/binary-amd64/by-hash/SHA256/${sha('Packages.xz')}`;
  assert.deepEqual(e.get(byHash), { sha256: sha('Packages.xz'), size: 11 });
  assert.equal(e.isIndex(new URL(byHash)), true, 'a by-hash name stands for its index');
  assert.equal(e.size, 4);
  await e.learn(new URL(`${MIRROR}dists/other/Release`), release(['Packages.gz', 'Sources']));
  assert.equal(e.size, 4);
  assert.equal(e.get(byHash), undefined);
  assert.equal(e.isIndex(new URL(byHash)), false, 'its alias went with it');
});
