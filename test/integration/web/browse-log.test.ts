/**
 * Browsing the UI of the real daemon leaves nothing alarming in its log: no error lines and nothing
 * on stderr (where a library's own stack traces, such as ERR_HTTP_HEADERS_SENT, would land).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { NAV } from '../../../web/views/layout.js';
import { Origin } from '../../support/cache-origin.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';
import { setUpOverHttp } from './http-session.js';

test('browsing the main pages and downloading a cached file logs no error', {
  timeout: 60_000,
}, async (t) => {
  const origin = new Origin();
  await origin.start();
  t.after(() => origin.stop());
  const deb = randomBytes(200_000);
  const debPath = '/debian/pool/main/h/hello/hello_2.10-3_amd64.deb';
  origin.put(debPath, { body: deb, etag: '"hello"' });
  const dir = await tempDir(t);
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ cache: { upstreams: [`${origin.base}/debian/`] } }));
  const daemon = await spawnDaemon(dir, ['--config', config]);
  onTeardown(t, () => daemon.stop());
  const admin = await setUpOverHttp(daemon.url, 'browse passphrase 1', dir);

  const pages = [...NAV.map(([href]) => href), '/patches/feeds', '/settings/scopes', '/no-such-page'];
  for (const path of pages) {
    const variants: Record<string, string>[] = [
      {},
      { 'hx-request': 'true' },
      { 'hx-request': 'true', 'hx-boosted': 'true' },
    ];
    for (const headers of variants) {
      const res = await admin.get(path, headers);
      await res.arrayBuffer();
      assert.ok(res.status < 500, `${path} ${JSON.stringify(headers)}: ${res.status}`);
    }
    await (await admin.get(path, {}, 'HEAD')).arrayBuffer();
  }
  const css = await admin.get('/static/style.css');
  await css.arrayBuffer();
  const etag = css.headers.get('etag')!;
  assert.equal((await admin.get('/static/style.css', { 'if-none-match': etag })).status, 304);

  // The cached file as a LAN host fetches it from the UI port: a miss, a hit, a HEAD and a range.
  const cached = `/cache/127.0.0.1:${origin.port}${debPath}`;
  const fetchFile = (headers: Record<string, string> = {}, method = 'GET') =>
    fetch(new URL(cached, daemon.url), { method, headers });
  for (const _ of [1, 2]) assert.deepEqual(Buffer.from(await (await fetchFile()).arrayBuffer()), deb);
  assert.equal((await fetchFile({}, 'HEAD')).status, 200);
  const range = await fetchFile({ range: 'bytes=0-99' });
  assert.equal((await range.arrayBuffer()).byteLength, 100);

  assert.equal(await daemon.stop(), 0);
  assert.equal(daemon.stderr(), '', 'nothing on stderr');
  assert.deepEqual(
    daemon.logs.filter((l) => l.level === 'error'),
    [],
    'no error lines in the log',
  );
});
