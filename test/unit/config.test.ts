import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../daemon/config.js';
import { DepotError } from '../../daemon/errors.js';
import { tempDir } from '../temp-dir.js';

const invalid = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof DepotError && e.code === 'CONFIG_INVALID' && pattern.test(e.message),
  );

test('defaults, then the file, then the environment, then flags', async (t) => {
  const dir = await tempDir(t);
  const base = loadConfig({ env: { PATCH_DEPOT_DATA_DIR: dir } });
  assert.equal(base.http.port, 8080);
  assert.equal(base.dataDir, dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ http: { port: 9001, host: '127.0.0.1' } }));
  assert.equal(loadConfig({ env: { PATCH_DEPOT_DATA_DIR: dir } }).http.port, 9001);
  const env = { PATCH_DEPOT_DATA_DIR: dir, PATCH_DEPOT_PORT: '9002' };
  assert.equal(loadConfig({ env }).http.port, 9002);
  const flagged = loadConfig({ env, overrides: { 'http.port': 9003 } });
  assert.equal(flagged.http.port, 9003);
  assert.equal(flagged.http.host, '127.0.0.1', 'untouched settings keep the file value');
});

test('systemd StateDirectory is the default data directory', () => {
  assert.equal(
    loadConfig({ env: { STATE_DIRECTORY: '/var/lib/patch-depot' } }).dataDir,
    '/var/lib/patch-depot',
  );
});

test('a relative dataDir in a config file is relative to that file', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'etc'));
  const file = join(dir, 'etc', 'depot.json');
  await writeFile(file, JSON.stringify({ dataDir: '../state' }));
  assert.equal(loadConfig({ env: {}, file }).dataDir, join(dir, 'state'));
});

test('every problem is reported as path: message', async (t) => {
  const dir = await tempDir(t);
  invalid(
    () => loadConfig({ env: { PATCH_DEPOT_DATA_DIR: dir, PATCH_DEPOT_PORT: 'eighty' } }),
    /PATCH_DEPOT_PORT: expected a whole number/,
  );
  invalid(
    () => loadConfig({ env: { PATCH_DEPOT_DATA_DIR: dir, PATCH_DEPOT_SECURE_COOKIES: 'maybe' } }),
    /expected true or false/,
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify({ http: { prot: 1 } }));
  invalid(() => loadConfig({ env: { PATCH_DEPOT_DATA_DIR: dir } }), /^http: Unrecognized key/);
  await writeFile(join(dir, 'config.json'), '{"http": ');
  invalid(() => loadConfig({ env: { PATCH_DEPOT_DATA_DIR: dir } }), /config\.json: cannot read as JSON/);
  await writeFile(join(dir, 'config.json'), '[1]');
  invalid(() => loadConfig({ env: { PATCH_DEPOT_DATA_DIR: dir } }), /expected a JSON object/);
  invalid(() => loadConfig({ env: {}, file: join(dir, 'missing.json') }), /missing\.json: cannot read/);
});
