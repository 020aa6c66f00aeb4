/**
 * sites.json may name a site's key by file (`publicKeyFile`): the PEM exactly as saved from
 * Settings → Site key, line breaks and all, or the JWK's JSON. Mistakes are named before any pull.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSitesFile } from '../../../daemon/api/console-pull.js';

test('publicKeyFile reads a multi-line PEM or a JWK file; a wrong or doubled key is named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pd-sites-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jwk = publicKey.export({ format: 'jwk' });
  assert.ok(pem.trim().split('\n').length >= 3, 'a PEM as saved has line breaks');
  await writeFile(join(dir, 'leeds.pem'), pem);
  await writeFile(join(dir, 'york.jwk'), JSON.stringify({ ...jwk, kid: 'x', alg: 'EdDSA' }));
  const file = join(dir, 'sites.json');
  const write = (sites: unknown[]) => writeFile(file, JSON.stringify({ sites }));

  await write([
    { name: 'Leeds', url: 'http://10.1.0.5:8080', token: 't', publicKeyFile: join(dir, 'leeds.pem') },
    { name: 'York', url: 'http://10.2.0.5:8080', token: 't', publicKeyFile: join(dir, 'york.jwk') },
  ]);
  const [leeds, york] = await readSitesFile(file);
  assert.equal(leeds?.publicKey, pem.trim());
  assert.equal(typeof york?.publicKey === 'object' && york.publicKey.x, jwk.x);
  assert.ok(!('publicKeyFile' in (leeds ?? {})), 'the entry carries the key, not the file name');

  const refused = async (sites: unknown[], message: RegExp) => {
    await write(sites);
    await assert.rejects(readSitesFile(file), message);
  };
  const site = { url: 'http://10.1.0.5:8080', token: 't' };
  await refused(
    [{ ...site, publicKey: jwk, publicKeyFile: join(dir, 'leeds.pem') }],
    /give publicKey or publicKeyFile, not both/,
  );
  await refused([{ ...site }], /give publicKey or publicKeyFile, not both/);
  await refused(
    [{ ...site, publicKeyFile: join(dir, 'missing.pem') }],
    /sites\.0\.publicKeyFile \(.*missing\.pem\): cannot read the public key file .* \(ENOENT\)/,
  );
  await refused([{ ...site, publicKeyFile: dir }], /is not a regular file/);
  await refused([{ ...site, publicKeyFile: '/dev/zero' }], /is not a regular file/);
  await writeFile(join(dir, 'fp.txt'), 'ORDQ6kSCoO-HhG-j9fDkChlJpmBcUhXHRdWErz2QuR4\n');
  await refused(
    [{ ...site, publicKeyFile: join(dir, 'fp.txt') }],
    /sites\.0\.publicKeyFile \(.*fp\.txt\) \(10\.1\.0\.5|is not an Ed25519 public key/,
  );
  await writeFile(join(dir, 'bad.jwk'), '{"kty":"RSA"}');
  await refused([{ ...site, publicKeyFile: join(dir, 'bad.jwk') }], /neither a PEM nor a JWK/);
});
