/**
 * An apt repository of one Packages index for feed tests, served by a memory fetcher: its Release
 * lists the plain index (and the gzip one, when given) with their sizes and hashes, and any
 * signature passes (the tests of signatures are signed-repo's). Returns the feed spec and the sync
 * context, parsed by `parser` (a worker, or in process).
 */
import { createHash } from 'node:crypto';
import type { FeedContext } from '../../daemon/catalog/feeds/adapter.js';
import { MemoryFeedFetcher } from '../fakes/memory-feed-fetcher.js';

const DISTS = 'http://repo.test/debian/dists/bookworm';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export const oneIndexRepo = (
  parser: FeedContext['parser'],
  index: { plain: Buffer; gz?: Buffer },
  maxUnpackedBytes = 64 << 20,
) => {
  const listed = [[index.plain, ''] as const, ...(index.gz ? [[index.gz, '.gz'] as const] : [])];
  const release = [
    'Origin: Example',
    'Codename: bookworm',
    'Date: Mon, 23 Nov 2026 00:00:00 UTC',
    'SHA256:',
    ...listed.map(([b, ext]) => ` ${sha(b)} ${b.length} main/binary-amd64/Packages${ext}`),
    '',
  ].join('\n');
  const fetcher = new MemoryFeedFetcher();
  fetcher.set(`${DISTS}/InRelease`, release);
  const [served, ext] = listed.at(-1)!;
  fetcher.set(`${DISTS}/main/binary-amd64/Packages${ext}`, served);
  const ctx: FeedContext = {
    fetcher,
    verifier: { verifyClearsigned: async (doc) => ({ text: Buffer.from(doc).toString(), signer: 'test' }) },
    parser,
    now: () => new Date('2026-11-24T00:00:00Z'),
    maxBytes: 64 << 20,
    maxUnpackedBytes,
    trustedKeys: [],
  };
  const spec = {
    id: 'example',
    kind: 'apt' as const,
    enabled: true,
    url: 'http://repo.test/debian',
    suite: 'bookworm',
    components: ['main'],
    architectures: ['amd64'],
    keyring: '/dev/null',
  };
  return { spec, ctx };
};
