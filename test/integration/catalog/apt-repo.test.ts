/**
 * The apt adapter for real: a recorded Debian InRelease (bookworm-updates) and its Packages.xz
 * served on loopback, the signature checked by gpgv against the Debian archive keyring, the index
 * checked against the signed hashes and decompressed by xz.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FeedSpec } from '../../../daemon/catalog/feed-config.js';
import type { FeedContext } from '../../../daemon/catalog/feeds/adapter.js';
import { syncAptRepo } from '../../../daemon/catalog/feeds/apt-repo.js';
import { GpgvVerifier } from '../../../daemon/catalog/gpgv.js';
import { UndiciFeedFetcher } from '../../../daemon/catalog/undici-feed-fetcher.js';
import { WorkerFeedParser } from '../../../daemon/catalog/worker-feed-parser.js';
import { type FeedServer, startFeedServer } from './feed-server.js';

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const fx = (p: string) =>
  readFileSync(new URL(`../../fixtures/catalog/apt/dists/bookworm-updates/${p}`, import.meta.url));
const RELEASE_DATE = new Date('2026-11-22T02:09:05Z');

describe('apt repository feed (gpgv + Release hashes)', {
  skip: !existsSync(KEYRING) && `${KEYRING} missing (apt-get install debian-archive-keyring)`,
}, () => {
  let server: FeedServer;
  const fetcher = new UndiciFeedFetcher({
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    userAgent: 'patch-depot-test',
  });
  const spec = (
    over: Partial<Extract<FeedSpec, { kind: 'apt' }>> = {},
  ): Extract<FeedSpec, { kind: 'apt' }> => ({
    id: 'debian-updates',
    kind: 'apt',
    enabled: true,
    url: `${server.url}/debian`,
    suite: 'bookworm-updates',
    components: ['main'],
    architectures: ['amd64'],
    keyring: KEYRING,
    ...over,
  });
  const ctx = (over: Partial<FeedContext> = {}): FeedContext => ({
    fetcher,
    verifier: new GpgvVerifier(),
    parser: new WorkerFeedParser(),
    now: () => new Date(RELEASE_DATE.getTime() + 86400_000),
    maxBytes: 8 << 20,
    maxUnpackedBytes: 64 << 20,
    trustedKeys: [],
    ...over,
  });

  before(async () => {
    server = await startFeedServer(
      new Map([
        ['/debian/dists/bookworm-updates/InRelease', fx('InRelease')],
        ['/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz', fx('main/binary-amd64/Packages.xz')],
      ]),
    );
  });
  after(async () => {
    await fetcher.close();
    await server.close();
  });

  it('verifies, fetches by hash, checks and parses the index', async () => {
    const res = await syncAptRepo(spec(), ctx());
    assert.equal(res.status, 'ok');
    if (res.status !== 'ok') return;
    const fixes = res.content.advisories.flatMap((a) => a.fixes);
    assert.equal(fixes.length, 38);
    const ssh = fixes.find((f) => f.package === 'openssh-client');
    assert.deepEqual(ssh, {
      ecosystem: 'dpkg',
      release: 'debian:bookworm',
      package: 'openssh-client',
      packageKind: 'binary',
      fixedVersion: '1:9.2p1-2+deb12u7',
      source: 'openssh',
    });
    assert.ok(res.content.advisories.some((a) => a.id === 'bookworm-updates/openssh_1:9.2p1-2+deb12u7'));
    assert.equal(res.state.releaseDate, RELEASE_DATE.toISOString());
    assert.match(res.content.note ?? '', /signed by [0-9A-F]{40}/);
    assert.ok(server.requests.some((r) => r.path.includes('/by-hash/SHA256/87e7e940')));
    const again = await syncAptRepo(spec(), ctx({ previous: res.state }));
    assert.equal(again.status, 'not-modified');
    // Mirrors that send no ETag/Last-Modified: an identical InRelease still skips the indexes.
    const before = server.requests.length;
    const same = await syncAptRepo(spec(), ctx({ previous: { sha256: res.state.sha256 } }));
    assert.equal(same.status, 'not-modified');
    assert.deepEqual(
      server.requests.slice(before).map((r) => r.path),
      ['/debian/dists/bookworm-updates/InRelease'],
    );
  });

  it('refuses a signature from a key outside the keyring', async () => {
    await assert.rejects(
      syncAptRepo(spec({ keyring: '/usr/share/keyrings/debian-archive-removed-keys.gpg' }), ctx()),
      /InRelease: signature check failed/,
    );
  });

  it('refuses an altered InRelease', async () => {
    const original = server.files.get('/debian/dists/bookworm-updates/InRelease')!;
    const altered = Buffer.from(
      Buffer.from(original).toString('utf8').replace('Suite: oldstable-updates', 'Suite: oldstable-updatez'),
    );
    server.files.set('/debian/dists/bookworm-updates/InRelease', altered);
    try {
      await assert.rejects(syncAptRepo(spec(), ctx()), /signature check failed/);
    } finally {
      server.files.set('/debian/dists/bookworm-updates/InRelease', original);
    }
  });

  it('refuses an index whose bytes differ from the signed hash', async () => {
    const path = '/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz';
    const original = server.files.get(path)!;
    const corrupt = Buffer.from(original);
    corrupt[100] = (corrupt[100] ?? 0) ^ 0xff;
    // Without by-hash the corrupt file is served under its usual name.
    server.files.set(path, corrupt);
    try {
      const res = syncAptRepo(spec(), ctx());
      // by-hash lookups find no file with the signed hash: the mirror "does not have it".
      await assert.rejects(res, /HTTP 404|does not match the SHA256/);
    } finally {
      server.files.set(path, original);
    }
  });

  it('refuses a Release older than the one already trusted (rollback)', async () => {
    await assert.rejects(
      syncAptRepo(spec(), ctx({ previous: { releaseDate: '2026-11-23T00:00:00.000Z' } })),
      /older than the one already trusted/,
    );
  });
});
