/**
 * The apt adapter against a repository signed in the test with its own key: a gzip index without
 * by-hash, and every refusal path (index altered after signing, expired Valid-Until, a key that
 * is not in the keyring, a Release older than the trusted one).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { FeedSpec } from '../../../daemon/catalog/feed-config.js';
import type { FeedContext } from '../../../daemon/catalog/feeds/adapter.js';
import { syncAptRepo } from '../../../daemon/catalog/feeds/apt-repo.js';
import { GpgvVerifier } from '../../../daemon/catalog/gpgv.js';
import { UndiciFeedFetcher } from '../../../daemon/catalog/undici-feed-fetcher.js';
import { WorkerFeedParser } from '../../../daemon/catalog/worker-feed-parser.js';
import { type FeedServer, startFeedServer } from './feed-server.js';
import { makeSignedRepo, PACKAGES, type SignedRepo } from './signed-repo.js';
import { hasCommand } from './version-oracles.js';

const haveGpg = (await hasCommand('gpg', ['--version'])) && (await hasCommand('gpgv', ['--version']));

describe('apt feed against a repository signed in the test', {
  skip: !haveGpg && 'gpg/gpgv not installed',
}, () => {
  let dir: string;
  let repo: SignedRepo;
  let server: FeedServer;
  const fetcher = new UndiciFeedFetcher({
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    userAgent: 'patch-depot-test',
  });
  const spec = (): Extract<FeedSpec, { kind: 'apt' }> => ({
    id: 'example',
    kind: 'apt',
    enabled: true,
    url: `${server.url}/repo`,
    suite: 'bookworm',
    components: ['main'],
    architectures: ['amd64'],
    keyring: repo.keyring,
  });
  const ctx = (over: Partial<FeedContext> = {}): FeedContext => ({
    fetcher,
    verifier: new GpgvVerifier(),
    parser: new WorkerFeedParser(),
    now: () => new Date('2026-11-24T00:00:00Z'),
    maxBytes: 1 << 20,
    maxUnpackedBytes: 64 << 20,
    trustedKeys: [],
    ...over,
  });
  const inRelease = '/repo/dists/bookworm/InRelease';
  const index = '/repo/dists/bookworm/main/binary-amd64/Packages.gz';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-aptrepo-'));
    repo = await makeSignedRepo(dir);
    server = await startFeedServer(repo.files);
  });
  after(async () => {
    await fetcher.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a gzip index by its path and maps binaries to their source', async () => {
    const res = await syncAptRepo(spec(), ctx());
    assert.equal(res.status, 'ok');
    if (res.status !== 'ok') return;
    const [adv] = res.content.advisories;
    assert.equal(adv?.id, 'bookworm/demo_1.2-1');
    assert.deepEqual(
      adv?.fixes.map((f) => [f.package, f.fixedVersion, f.source, f.release]),
      [
        ['demo-tool', '1.2-1+b1', 'demo', 'debian:bookworm'],
        ['libdemo1', '1.2-1', 'demo', 'debian:bookworm'],
      ],
    );
    assert.ok(server.requests.some((r) => r.path === index));
  });

  it('refuses an index changed after the Release was signed', async () => {
    server.files.set(index, gzipSync(Buffer.from(PACKAGES.replace('1.2-1+b1', '9.9-1'))));
    try {
      await assert.rejects(
        syncAptRepo(spec(), ctx()),
        /Packages\.gz does not match the SHA256 in the signed Release/,
      );
    } finally {
      server.files.set(index, repo.files.get(index)!);
    }
  });

  it('refuses a signed but expired Release (Valid-Until), and a rollback', async () => {
    const original = server.files.get(inRelease)!;
    server.files.set(
      inRelease,
      await repo.sign(repo.release({ validUntil: 'Mon, 23 Nov 2026 12:00:00 UTC' })),
    );
    try {
      await assert.rejects(syncAptRepo(spec(), ctx()), /Release expired at 2026-11-23T12:00:00\.000Z/);
    } finally {
      server.files.set(inRelease, original);
    }
    await assert.rejects(
      syncAptRepo(spec(), ctx({ previous: { releaseDate: '2026-11-23T06:00:00.000Z' } })),
      /older than the one already trusted/,
    );
  });

  it('refuses a Release signed by a key outside the configured keyring', async () => {
    await assert.rejects(
      syncAptRepo({ ...spec(), keyring: '/usr/share/keyrings/debian-archive-keyring.gpg' }, ctx()),
      /InRelease: signature check failed/,
    );
  });
});
