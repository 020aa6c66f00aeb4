/**
 * A real apt client through the cache against the Debian mirror this machine is configured with:
 * `apt-get update` and `apt-get download` twice with a private state/cache/sources dir; the second
 * download must cost zero upstream bytes. Skips with the reason when apt or the mirror is missing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { aptClient, aptMissing } from '../../support/apt-client.js';
import { cacheStack } from '../../support/cache-stack.js';
import { tempDir } from '../../temp-dir.js';
import { systemMirror } from './apt-mirror.js';

const PACKAGE = 'hello';

const reachable = async (url: string): Promise<string | undefined> => {
  try {
    const res = await request(url, { method: 'HEAD', headersTimeout: 10_000, bodyTimeout: 10_000 });
    await res.body.dump();
    return res.statusCode === 200 ? undefined : `${url} answered ${res.statusCode}`;
  } catch (err) {
    return `${url} unreachable: ${(err as Error).message}`;
  }
};

test('apt-get through the cache: the second download costs zero upstream bytes', {
  timeout: 600_000,
}, async (t) => {
  const mirror = systemMirror();
  if (!mirror) return t.skip('no http:// Debian mirror in /etc/apt/sources.list.d or sources.list');
  const noApt = await aptMissing();
  if (noApt) return t.skip(noApt);
  const why = await reachable(`${mirror.uri}/dists/${mirror.suite}/InRelease`);
  if (why) return t.skip(`mirror not reachable, skipping the real-apt test: ${why}`);

  const s = await cacheStack(t, {
    allow: new UpstreamAllowList([`${mirror.uri}/`]),
    quotaBytes: 4 * 2 ** 30,
  });
  const dir = await tempDir(t, 'pd-apt-');
  for (const sub of ['dl1', 'dl2']) await mkdir(join(dir, sub), { recursive: true });
  const signed = mirror.signedBy ? `[signed-by=${mirror.signedBy}] ` : '';
  const apt = await aptClient(dir, `deb ${signed}${mirror.uri} ${mirror.suite} ${mirror.component}\n`, [
    `Acquire::http::Proxy=${s.proxyUrl}`,
  ]);

  const upd = await apt(['update']);
  if (process.env.PD_DEBUG_APT) console.log(upd.stdout, upd.stderr, s.log.lines.slice(-20));
  assert.ok(
    (await readdir(join(dir, 'state/lists'))).some((n) => n.includes('Packages')),
    'apt stored the index',
  );
  await apt(['download', PACKAGE], join(dir, 'dl1'));
  const [deb] = (await readdir(join(dir, 'dl1'))).filter((n) => n.endsWith('.deb'));
  assert.ok(deb, 'first download produced a .deb');
  const debEntry = s.cache.index
    .all()
    .find((e) => e.url.endsWith(`/${deb}`) || e.url.includes(`/${PACKAGE}_`));
  assert.ok(debEntry, 'the .deb is in the cache');
  assert.equal(debEntry.verified, 'sha256', 'verified against the hash in the Packages index');

  const upstreamBefore = s.cache.summary().fromUpstream;
  const savedBefore = s.cache.summary().fromCache;
  await apt(['download', PACKAGE], join(dir, 'dl2'));
  const after = s.cache.summary();
  assert.equal(after.fromUpstream - upstreamBefore, 0, 'second download: zero upstream bytes');
  const a = await readFile(join(dir, 'dl1', deb));
  const b = await readFile(join(dir, 'dl2', deb));
  assert.ok(a.equals(b));
  assert.equal(after.fromCache - savedBefore, b.length, 'the whole file came from the cache');
  assert.equal(createHash('sha256').update(b).digest('hex'), debEntry.sha256);
});
