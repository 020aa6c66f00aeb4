import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { FeedContext } from '../../../daemon/catalog/feeds/adapter.js';
import { readManifest } from '../../../daemon/catalog/feeds/depot-manifest.js';
import { syncDocument } from '../../../daemon/catalog/feeds/sync-document.js';
import { publicKeyBase64, signEnvelope } from '../../../daemon/catalog/signatures.js';
import { InProcessFeedParser } from '../../fakes/in-process-feed-parser.js';
import { MemoryFeedFetcher } from '../../fakes/memory-feed-fetcher.js';

const keys = () => generateKeyPairSync('ed25519');
const now = new Date('2026-06-01T00:00:00Z');

const manifest = (over: Record<string, unknown> = {}) => ({
  format: 'patch-depot-manifest/1',
  issuer: 'Example Networks firmware team',
  issuedAt: '2026-05-30T10:00:00Z',
  expiresAt: '2026-07-01T00:00:00Z',
  sequence: 7,
  files: [
    {
      vendor: 'Example Networks',
      product: 'EX-24 switch',
      version: '4.2.1',
      name: 'ex24-4.2.1.bin',
      sha256: 'a'.repeat(64),
      size: 1048576,
      models: ['EX-24', 'EX-24P'],
      advisory: 'EXN-2026-003',
    },
  ],
  advisories: [
    {
      id: 'EXN-2026-003',
      cves: ['CVE-2026-1111'],
      summary: 'Management plane authentication bypass',
      severity: 'critical',
      fixes: [{ ecosystem: 'firmware', release: 'example:ex24', package: 'EX-24', fixedVersion: '4.2.1' }],
    },
  ],
  ...over,
});

const signed = (m: unknown, privateKey = keys().privateKey): Uint8Array =>
  Buffer.from(JSON.stringify(signEnvelope(Buffer.from(JSON.stringify(m)), privateKey)));

describe('Patch Depot signed manifest', () => {
  const { publicKey, privateKey } = keys();
  const trusted = [publicKeyBase64(publicKey)];

  it('accepts a manifest signed by a trusted key (base64 raw or PEM)', () => {
    const body = signed(manifest(), privateKey);
    const { manifest: m } = readManifest(body, trusted, now);
    assert.equal(m.files[0]?.name, 'ex24-4.2.1.bin');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    assert.equal(readManifest(body, [pem], now).manifest.sequence, 7);
  });

  it('refuses altered payloads, unknown keys, no keys and expired manifests', () => {
    const env = JSON.parse(Buffer.from(signed(manifest(), privateKey)).toString());
    const tampered = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    tampered.files[0].sha256 = 'b'.repeat(64);
    env.payload = Buffer.from(JSON.stringify(tampered)).toString('base64');
    assert.throws(
      () => readManifest(Buffer.from(JSON.stringify(env)), trusted, now),
      /signature does not verify/,
    );
    assert.throws(() => readManifest(signed(manifest()), trusted, now), /not trusted here/);
    assert.throws(() => readManifest(signed(manifest(), privateKey), [], now), /no trusted signing keys/);
    assert.throws(
      () => readManifest(signed(manifest(), privateKey), trusted, new Date('2026-08-01T00:00:00Z')),
      /expired at 2026-07-01/,
    );
    assert.throws(
      () => readManifest(signed(manifest({ files: [{ name: '../evil' }] }), privateKey), trusted, now),
      /Patch Depot manifest: files\.0/,
    );
  });

  it('refuses a file name no device could be served under, as staging would', () => {
    const named = (name: string) =>
      readManifest(signed(manifest({ files: [{ ...manifest().files[0], name }] }), privateKey), trusted, now);
    for (const name of ['..', '.', '.profile', 'a'.repeat(129), 'fw.bin.tmp-1', '-rf', 'a/b'])
      assert.throws(() => named(name), /files\.0\.name: a plain file name/, name);
    assert.equal(named('a'.repeat(128)).manifest.files[0]?.name, 'a'.repeat(128));
  });

  it('refuses a replayed older sequence on sync and honours 304', async () => {
    const fetcher = new MemoryFeedFetcher();
    fetcher.set(
      'https://vendor.example/manifest.json',
      signed(manifest({ sequence: 5 }), privateKey),
      '"v5"',
    );
    const ctx = (previous?: FeedContext['previous']): FeedContext => ({
      fetcher,
      verifier: {
        verifyClearsigned: () => Promise.reject(new Error('unused')),
      },
      parser: new InProcessFeedParser(),
      now: () => now,
      maxBytes: 1 << 20,
      maxUnpackedBytes: 1 << 20,
      trustedKeys: trusted,
      previous,
    });
    await assert.rejects(
      syncDocument('https://vendor.example/manifest.json', 'depot-manifest', ctx({ sequence: 6 })),
      /sequence 5 is older than the trusted 6/,
    );
    const ok = await syncDocument(
      'https://vendor.example/manifest.json',
      'depot-manifest',
      ctx({ sequence: 5 }),
    );
    assert.equal(ok.status, 'ok');
    if (ok.status === 'ok')
      assert.deepEqual(
        { ...ok.state, sha256: undefined },
        { etag: '"v5"', lastModified: undefined, sequence: 5, sha256: undefined },
      );
    // A server without validators: the same bytes again count as unchanged.
    const sha256 = ok.status === 'ok' ? ok.state.sha256 : undefined;
    assert.match(sha256 ?? '', /^[0-9a-f]{64}$/);
    const same = await syncDocument(
      'https://vendor.example/manifest.json',
      'depot-manifest',
      ctx({ sha256, sequence: 5 }),
    );
    assert.equal(same.status, 'not-modified');
    const again = await syncDocument(
      'https://vendor.example/manifest.json',
      'depot-manifest',
      ctx({ etag: '"v5"', sequence: 5 }),
    );
    assert.equal(again.status, 'not-modified');
  });
});
