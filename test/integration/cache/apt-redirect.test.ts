/**
 * A real apt-get with an old-style source on the UI port (`deb http://<appliance>:<ui>/cache/...`)
 * against a small repository on a loopback origin: apt follows the 307 to the proxy port, asks for
 * `libdemo++1` as `libdemo%2b%2b1`, and the cache fetches it once under the name the Packages file
 * gives, verified against that file's SHA-256.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { HttpServer } from '../../../daemon/http-server.js';
import { memoryLogger } from '../../fakes/log.js';
import { aptClient, aptMissing } from '../../support/apt-client.js';
import { cacheStack } from '../../support/cache-stack.js';
import { tempDir } from '../../temp-dir.js';
import { webHarness } from '../web/harness.js';

const run = promisify(execFile);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const DEB = 'pool/main/libdemo++1_1.0_all.deb';

/** A one-package repository: the .deb, its Packages index and a Release listing the index. */
const buildRepo = async (dir: string): Promise<Map<string, Buffer>> => {
  const root = join(dir, 'pkg');
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await writeFile(
    join(root, 'DEBIAN/control'),
    'Package: libdemo++1\nVersion: 1.0\nArchitecture: all\nMaintainer: Test <t@test.invalid>\nDescription: demo\n',
  );
  await run('dpkg-deb', ['--build', '--root-owner-group', root, join(dir, 'demo.deb')]);
  const deb = await readFile(join(dir, 'demo.deb'));
  const packages = Buffer.from(
    `Package: libdemo++1\nVersion: 1.0\nArchitecture: all\nFilename: ${DEB}\nSize: ${deb.length}\nSHA256: ${sha(deb)}\nDescription: demo\n\n`,
  );
  const release = Buffer.from(
    `Suite: stable\nCodename: stable\nArchitectures: amd64\nComponents: main\nDate: ${new Date().toUTCString()}\nSHA256:\n ${sha(packages)} ${packages.length} main/binary-amd64/Packages\n`,
  );
  return new Map([
    [`/debian/${DEB}`, deb],
    ['/debian/dists/stable/main/binary-amd64/Packages', packages],
    ['/debian/dists/stable/Release', release],
  ]);
};

test('apt follows the UI port to the proxy port; `+` and `%2b` are one verified download', {
  timeout: 120_000,
}, async (t) => {
  const noApt = await aptMissing();
  if (noApt) return t.skip(noApt);
  const s = await cacheStack(t);
  s.cache.proxyPort = s.proxy.address!.port;
  const h = await webHarness(t, { services: async () => ({ cache: s.cache }) });
  const ui = new HttpServer({ host: '127.0.0.1', port: 0, fetch: h.app.fetch, log: memoryLogger() });
  await ui.start();
  t.after(() => ui.stop());
  const dir = await tempDir(t, 'pd-apt-redirect-');
  for (const [path, body] of await buildRepo(dir)) s.origin.put(path, { body });
  const mirror = `http://127.0.0.1:${ui.address!.port}/cache/127.0.0.1:${s.origin.port}/debian`;
  const apt = await aptClient(dir, `deb [trusted=yes] ${mirror} stable main\n`, [
    'APT::Architecture=amd64',
    'APT::Architectures=amd64',
  ]);
  await apt(['update']);
  await mkdir(join(dir, 'dl'));
  await apt(['download', 'libdemo++1'], join(dir, 'dl'));
  const [file] = (await readdir(join(dir, 'dl'))).filter((n) => n.endsWith('.deb'));
  assert.ok(file, 'apt downloaded the package');
  const got = await readFile(join(dir, 'dl', file));
  assert.equal(sha(got), sha(s.origin.files.get(`/debian/${DEB}`)!.body));
  assert.equal(s.origin.count(`/debian/${DEB}`), 1, 'fetched once, by the name the mirror serves');
  const entry = s.cache.index.get(`${s.origin.base}/debian/${DEB}`);
  assert.equal(entry?.verified, 'sha256', 'verified against the Packages index');
});
