import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from './spawn-daemon.js';

const main = fileURLToPath(new URL('../../../daemon/main.ts', import.meta.url));
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

test('serve starts, answers /healthz, creates its state 0600, and stops cleanly on SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  const res = await fetch(`${daemon.url}healthz`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string; version: string };
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  assert.equal((await stat(join(dir, 'state.json'))).mode & 0o777, 0o600);
  assert.equal(await daemon.stop(), 0);
  assert.ok(daemon.logs.some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM'));
  // It exits from an empty event loop, not process.exit() (which can hang in Node 24: serve.ts).
  assert.ok(
    !daemon.logs.some((l) => l.msg === 'still running after the stop; exiting'),
    'nothing was left open after the stop',
  );
});

test('--help lists the commands and settings', () => {
  const r = cli(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /serve/);
  assert.match(r.stdout, /PATCH_DEPOT_DATA_DIR/);
});

test('bad settings are refused with path: message and exit code 78', async (t) => {
  const dir = await tempDir(t);
  const r = cli(['serve', '--data-dir', dir], { PATCH_DEPOT_PORT: '70000' });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /http\.port: /);
  const unknown = cli(['serve', '--frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^patch-depot serve: unknown option --frobnicate\n/);
  assert.doesNotMatch(unknown.stderr, /positional argument/, 'no parseArgs jargon');
});

test('a port already in use is reported plainly', async (t) => {
  const dir = await tempDir(t);
  const first = await spawnDaemon(dir);
  t.after(() => first.stop());
  const port = new URL(first.url).port;
  // The proxy port is free (0): the clash must be the UI port's, whatever else runs here.
  const r = cli(['serve', '--host', '127.0.0.1', '--port', port, '--data-dir', await tempDir(t)], {
    PATCH_DEPOT_CACHE_PROXY_PORT: '0',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use`));
});

test('a second serve on the same data dir refuses, naming the pid, and touches nothing; after kill -9 a new one starts', async (t) => {
  const dir = await tempDir(t);
  const first = await spawnDaemon(dir);
  t.after(() => first.stop());
  // A download in flight and the state, as the running daemon has them.
  const part = join(dir, 'cache', 'tmp', 'in-flight.part');
  await writeFile(part, 'half a package');
  const state = await readFile(join(dir, 'state.json'));
  const port = new URL(first.url).port;
  const second = cli(['serve', '--host', '127.0.0.1', '--port', port, '--data-dir', dir], {
    PATCH_DEPOT_CACHE_PROXY_PORT: '0',
  });
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`is in use by patch-depot serve \\(pid ${first.proc.pid},`));
  assert.equal(await readFile(part, 'utf8'), 'half a package', 'cache/tmp untouched');
  assert.deepEqual(await readFile(join(dir, 'state.json')), state, 'state untouched');
  assert.equal((await fetch(`${first.url}healthz`)).status, 200);
  // One-shot commands that write into the data dir refuse as well, naming the daemon.
  const sync = cli(['catalog', 'sync', '--data-dir', dir]);
  assert.equal(sync.status, 1);
  assert.match(sync.stderr, new RegExp(`in use by patch-depot serve \\(pid ${first.proc.pid},`));
  assert.match(sync.stderr, /use its web UI: Patches → Feeds → Sync now/, 'and says what to do instead');

  const killed = new Promise((resolve) => first.proc.once('exit', resolve));
  first.proc.kill('SIGKILL');
  await killed;
  const restarted = await spawnDaemon(dir);
  t.after(() => restarted.stop());
  assert.equal((await fetch(`${restarted.url}healthz`)).status, 200);
  assert.equal(await restarted.stop(), 0);
  await assert.rejects(stat(join(dir, '.lock')), { code: 'ENOENT' }, 'a clean stop removes the lock');
});
