/** The production build runs without a compiler: tsc emits dist/, and plain node starts it. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hostKeyFingerprint, SshdServer, sshdUnavailable } from '../../support/sshd-server.js';
import { tempDir } from '../../temp-dir.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('npm run build produces a daemon that plain node can run', { timeout: 120_000 }, async (t) => {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  const version = spawnSync(process.execPath, ['dist/daemon/main.js', '--version'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  // The package's bin runs by itself (npx patch-depot): executable, with a node shebang.
  assert.equal(statSync(`${root}dist/daemon/main.js`).mode & 0o111, 0o111, 'main.js is executable');
  assert.match(readFileSync(`${root}dist/daemon/main.js`, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  const direct = spawnSync(`${root}dist/daemon/main.js`, ['--version'], { cwd: root, encoding: 'utf8' });
  assert.equal(direct.status, 0, `${direct.error ?? ''} ${direct.stderr}`);
  assert.equal(direct.stdout, version.stdout);

  // Feeds are parsed in a worker thread: the built worker must be in dist/ and run without tsx.
  const dir = await tempDir(t);
  const script = join(dir, 'parse.mjs');
  await writeFile(
    script,
    `import { readFileSync } from 'node:fs';
     import { WorkerFeedParser } from '${pathToFileURL(join(root, 'dist/daemon/catalog/worker-feed-parser.js'))}';
     const body = readFileSync('test/fixtures/catalog/debian-tracker.json');
     const req = { kind: 'debian-tracker', body, trustedKeys: [], now: new Date(), maxUnpackedBytes: 1 << 20 };
     const answer = await new WorkerFeedParser({ memoryMB: 256 }).document(req);
     console.log(answer.content.count);`,
  );
  const parse = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
  assert.equal(parse.stdout, '8\n', parse.stderr);

  // The entry is one bundled file (scripts/bundle-daemon.mjs): no module of ours beside it is loaded.
  const main = readFileSync(`${root}dist/daemon/main.js`, 'utf8');
  assert.doesNotMatch(main, /from\s*"\.\.?\//, 'main.js imports no relative module');
  assert.ok(main.length > 1_000_000, 'the packages are inside');
  // ASCII only: V8 holds a script's source for as long as it lives, as a two-byte string if any
  // character is not Latin-1 (twice the bytes), and the bundle's is megabytes.
  assert.equal(
    readFileSync(`${root}dist/daemon/main.js`).findIndex((b) => b > 0x7f),
    -1,
    'main.js is ASCII',
  );
  // ...and imports only Node's own modules at its top: a package imported there would load at
  // every start (ssh2 is inside, loaded when an SSH session first needs it).
  const imported = [...main.matchAll(/(?:^|[;}])\s*import\s*[^;"'(]*?from\s*["']([^"']+)["']/gm)].map(
    (m) => m[1]!,
  );
  assert.ok(imported.includes('node:fs/promises'), 'the import statements were found');
  assert.deepEqual(
    imported.filter((m) => !isBuiltin(m)),
    [],
    'no package imported at the top',
  );
  // Its feed worker is the bundled one beside it: a sync through the CLI parses a real feed.
  const feeds = createServer((_req, res) =>
    res.end(readFileSync(`${root}test/fixtures/catalog/debian-tracker.json`)),
  );
  await new Promise<void>((r) => feeds.listen(0, '127.0.0.1', r));
  t.after(() => feeds.close());
  const feedUrl = `http://127.0.0.1:${(feeds.address() as AddressInfo).port}/tracker.json`;
  const syncDir = await tempDir(t);
  // A data directory the daemon has run on (the CLI refuses any other).
  await writeFile(join(syncDir, 'state.json'), '{}');
  await writeFile(
    join(syncDir, 'config.json'),
    JSON.stringify({ catalog: { feeds: [{ id: 'debian', kind: 'debian-tracker', url: feedUrl }] } }),
  );
  const sync = spawn(process.execPath, ['dist/daemon/main.js', 'catalog', 'sync', '--data-dir', syncDir], {
    cwd: root,
  });
  let syncOut = '';
  sync.stdout.on('data', (d: Buffer) => (syncOut += d));
  sync.stderr.on('data', (d: Buffer) => (syncOut += d));
  const [syncCode] = (await once(sync, 'exit')) as [number];
  assert.equal(syncCode, 0, syncOut);
  const status = spawnSync(
    process.execPath,
    ['dist/daemon/main.js', 'catalog', 'status', '--data-dir', syncDir],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  assert.match(status.stdout, /debian/, status.stdout + status.stderr);
  assert.match(status.stdout, /\b8\b/, `8 advisories: ${status.stdout}`);

  const proc = spawn(
    process.execPath,
    ['dist/daemon/main.js', 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PATCH_DEPOT_LOG_FORMAT: 'json', PATCH_DEPOT_CACHE_PROXY_PORT: '0' },
    },
  );
  t.after(() => proc.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    proc.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const hit = buffer.match(/"msg":"listening","url":"([^"]+)"/);
      if (hit) resolve(hit[1]!.replace('localhost', '127.0.0.1'));
    });
    proc.on('exit', (code) => reject(new Error(`compiled daemon exited ${code}`)));
  });
  const page = await fetch(`${url}setup`);
  assert.equal(page.status, 200);
  for (const asset of ['style.css', 'htmx.min.js', 'favicon.svg']) {
    assert.equal((await fetch(`${url}static/${asset}`)).status, 200, asset);
  }
});

// After the test above built dist/: ssh2 lives inside the bundle, loaded on first use (with its
// CommonJS expectations: require, __dirname). A real inventory over SSH through the built CLI.
test('the built CLI collects an inventory over SSH', {
  timeout: 120_000,
  skip: sshdUnavailable(),
}, async (t) => {
  const dir = await tempDir(t);
  // A data directory the daemon has run on (the CLI refuses any other).
  await writeFile(join(dir, 'state.json'), '{}');
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['dist/daemon/main.js', ...args, '--data-dir', dir], {
      cwd: root,
      encoding: 'utf8',
    });
  const key = cli(['inventory', '--public-key']);
  assert.equal(key.status, 0, key.stderr);
  const server = await SshdServer.create([key.stdout.trim()]);
  await server.start();
  t.after(() => server.stop());
  const pin = await hostKeyFingerprint(server.hostKeyPub);
  const inv = cli(
    ['inventory', '--host', '127.0.0.1', '--port', String(server.port), '--user', 'root'].concat([
      '--accept-host-key',
      pin,
      '--json',
    ]),
  );
  assert.equal(inv.status, 0, inv.stderr);
  const collected = JSON.parse(inv.stdout) as { packages: unknown[] };
  assert.ok(collected.packages.length > 10, `packages: ${collected.packages.length}`);
});
