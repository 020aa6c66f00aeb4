import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheHarness, ORIGIN, readAll } from '../../fakes/cache-harness.js';
import { FakeClock } from '../../fakes/cache-upstream.js';

const inRelease = `${ORIGIN}dists/stable/InRelease`;
const deb = `${ORIGIN}pool/main/h/hello/hello_1_amd64.deb`;

test('mutable index files are revalidated with If-None-Match once stale; pool files never', async (t) => {
  const clock = new FakeClock();
  const { cache, upstream } = await cacheHarness(t, { clock, mutableMaxAgeMs: 60_000 });
  upstream.put(inRelease, { body: Buffer.from('Suite: stable\n'), etag: '"r1"' });
  upstream.put(deb, { body: Buffer.from('deb bytes'), etag: '"d1"' });
  await readAll(cache, inRelease);
  await readAll(cache, deb);
  clock.t += 30_000;
  await readAll(cache, inRelease);
  assert.equal(upstream.count(inRelease), 1, 'fresh: no upstream request');
  clock.t += 60_000;
  assert.equal((await readAll(cache, inRelease)).toString(), 'Suite: stable\n');
  const reqs = upstream.requests.filter((r) => r.url === inRelease);
  assert.equal(reqs.length, 2);
  assert.equal(reqs[1]!.headers['if-none-match'], '"r1"', 'conditional request');
  assert.equal(
    upstream.bytesSent,
    'Suite: stable\n'.length + 'deb bytes'.length,
    '304: no body crossed the WAN',
  );
  // The mirror publishes a new InRelease: the next stale request gets it.
  upstream.put(inRelease, { body: Buffer.from('Suite: stable\nVersion: 2\n'), etag: '"r2"' });
  clock.t += 120_000;
  assert.match((await readAll(cache, inRelease)).toString(), /Version: 2/);
  assert.equal(cache.index.get(inRelease)?.etag, '"r2"');
  clock.t += 10 * 86_400_000;
  await readAll(cache, deb);
  assert.equal(upstream.count(deb), 1, 'pool files are immutable');
});

test('when the upstream is unreachable a stale index file is served, marked stale', async (t) => {
  const clock = new FakeClock();
  const { cache, upstream } = await cacheHarness(t, { clock, mutableMaxAgeMs: 1000 });
  upstream.put(inRelease, { body: Buffer.from('old'), etag: '"r1"' });
  await readAll(cache, inRelease);
  clock.t += 5000;
  upstream.refuse.set(inRelease, 1);
  const r = await cache.resolve(inRelease);
  assert.equal(r.kind, 'hit');
  assert.equal(r.kind === 'hit' && r.stale, true);
  await r.release();
});

test('the hashes in a cached Release and Packages file verify the files they list', async (t) => {
  const { cache, upstream } = await cacheHarness(t);
  const { createHash } = await import('node:crypto');
  const h = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
  const debBody = Buffer.from('the real package');
  const packages = `Package: hello\nVersion: 1\nFilename: pool/main/h/hello/hello_1_amd64.deb\nSize: ${debBody.length}\nSHA256: ${h(debBody)}\n\n`;
  const release = `Origin: Test\nSuite: stable\nSHA256:\n ${h(packages)} ${packages.length} main/binary-amd64/Packages\n`;
  upstream.put(inRelease, { body: Buffer.from(release) });
  upstream.put(`${ORIGIN}dists/stable/main/binary-amd64/Packages`, { body: Buffer.from(packages) });
  upstream.put(deb, { body: Buffer.from('the evil  package') });
  await readAll(cache, inRelease);
  const deadline = Date.now() + 5000;
  while (!cache.expected.get(`${ORIGIN}dists/stable/main/binary-amd64/Packages`)) {
    if (Date.now() > deadline) throw new Error('Release hashes not learned');
    await new Promise((r) => setTimeout(r, 2));
  }
  await readAll(cache, `${ORIGIN}dists/stable/main/binary-amd64/Packages`);
  assert.equal(cache.index.get(`${ORIGIN}dists/stable/main/binary-amd64/Packages`)?.verified, 'sha256');
  while (!cache.expected.get(deb)) {
    if (Date.now() > deadline) throw new Error('Packages hashes not learned');
    await new Promise((r) => setTimeout(r, 2));
  }
  await assert.rejects(readAll(cache, deb), /failed verification|announced/);
  upstream.put(deb, { body: debBody });
  assert.equal((await readAll(cache, deb)).toString(), 'the real package');
  assert.equal(cache.index.get(deb)?.verified, 'sha256');
});

test('a client asking for max-age=0 gets a revalidated index file, but never a refetched pool file', async (t) => {
  const clock = new FakeClock();
  const { cache, upstream } = await cacheHarness(t, { clock, mutableMaxAgeMs: 300_000 });
  upstream.put(inRelease, { body: Buffer.from('r'), etag: '"r1"' });
  upstream.put(deb, { body: Buffer.from('d'), etag: '"d1"' });
  await readAll(cache, inRelease);
  await readAll(cache, deb);
  clock.t += 1000;
  for (const u of [inRelease, deb]) {
    const r = await cache.resolve(u, { maxAgeMs: 0 });
    if (r.kind === 'hit') await r.release();
  }
  assert.equal(upstream.count(inRelease), 2);
  assert.equal(upstream.requests.filter((r) => r.url === inRelease)[1]!.headers['if-none-match'], '"r1"');
  assert.equal(upstream.count(deb), 1);
});
