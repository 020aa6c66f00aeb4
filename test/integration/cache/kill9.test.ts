/**
 * Durability: the cache process is killed with SIGKILL mid-download and between commits. After
 * every kill a restart must find no partial blob, an index whose every entry points at intact
 * bytes (re-hashed here), and serve every file correctly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Origin } from '../../support/cache-origin.js';
import { cacheStack, viaProxy } from '../../support/cache-stack.js';

const child = fileURLToPath(new URL('./kill-child.ts', import.meta.url));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const startChild = (root: string, allowed: string): Promise<{ proc: ChildProcess; proxyUrl: string }> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, root, allowed], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ proc, proxyUrl: `http://127.0.0.1:${m[1]}` });
    });
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });

const kill9 = (proc: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });

test('restart after kill -9 never serves a partial blob and keeps a sane index', {
  timeout: 120_000,
}, async (t) => {
  const origin = new Origin();
  await origin.start();
  const root = await mkdtemp(join(tmpdir(), 'pd-cache-kill-'));
  t.after(async () => {
    await origin.stop();
    await rm(root, { recursive: true, force: true });
  });
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 12; i++) {
    const body = randomBytes(50_000 + i * 40_000);
    files.set(origin.put(`/pool/main/k/kill${i}_1_all.deb`, { body, etag: `"k${i}"` }), body);
  }
  const urls = [...files.keys()];

  for (let round = 0; round < 5; round++) {
    const { proc, proxyUrl } = await startChild(root, `${origin.base}/`);
    // One download stalled halfway (killed mid-body) while others complete around it.
    const stalledPath = new URL(urls[round]!).pathname;
    const release = origin.stall(stalledPath, 30_000);
    const stalled = viaProxy(proxyUrl, urls[round]!).catch(() => undefined);
    const others = urls.slice(round + 1, round + 4).map((u) => viaProxy(proxyUrl, u).catch(() => undefined));
    // Kill at a different point each round: some of the others finished, some not.
    await Promise.race([
      Promise.all(others.slice(0, round % 3)),
      new Promise((r) => setTimeout(r, 5 + round * 7)),
    ]);
    await kill9(proc);
    release();
    await stalled;
    await Promise.all(others);

    // Inspect the directory as the killed process left it (after a clean restart of the service).
    const s = await cacheStack(t, { origin, root });
    assert.deepEqual(await readdir(join(root, 'tmp')), [], `round ${round}: no temp files`);
    const blobs = await s.cache.blobs.list();
    for (const e of s.cache.index.all()) {
      const bytes = await readFile(s.cache.blobs.path(e.sha256));
      assert.equal(sha(bytes), e.sha256, `round ${round}: blob of ${e.url} intact`);
      assert.equal(sha(bytes), sha(files.get(e.url)!), `round ${round}: right bytes for ${e.url}`);
    }
    for (const shaName of blobs.keys())
      assert.ok(s.cache.index.referenced(shaName), `round ${round}: no orphan blobs`);
    for (const u of urls.slice(0, round + 4)) {
      const r = await viaProxy(s.proxyUrl, u);
      assert.equal(sha(r.body), sha(files.get(u)!), `round ${round}: ${u} served correctly`);
    }
    await s.proxy.stop();
    await s.cache.stop();
  }
});
