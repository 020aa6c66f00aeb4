import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { loadConfig } from '../../daemon/config.js';
import { issueInWords } from '../../daemon/config-messages.js';
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

test('a bad setting names where it came from and what a good value looks like', async (t) => {
  const dir = await tempDir(t);
  const env = { PATCH_DEPOT_DATA_DIR: dir };
  const file = join(dir, 'config.json');
  invalid(
    () => loadConfig({ env, overrides: { 'http.port': 99999 } }),
    /^http\.port: .*65535 \(from --port\)$/,
  );
  invalid(
    () => loadConfig({ env: { ...env, PATCH_DEPOT_TFTP_PORT: '70000' } }),
    /^tftp\.port: .*65535 \(from PATCH_DEPOT_TFTP_PORT\)$/,
  );
  await writeFile(
    file,
    JSON.stringify({ tftp: { address: 'localhost', clients: ['127.0.0.1/33'], maxSiteFileMB: 0 } }),
  );
  const message = (() => {
    try {
      loadConfig({ env });
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  assert.deepEqual(message.split('\n'), [
    `tftp.address: expected an IP address such as 0.0.0.0 (every IPv4 interface) or 192.168.1.5, got "localhost" (in ${file})`,
    `tftp.clients.0: expected an address or CIDR such as 192.168.1.20 or 192.168.1.0/24, got "127.0.0.1/33" (in ${file})`,
    `tftp.maxSiteFileMB: Too small: expected number to be >=1 (in ${file})`,
  ]);
  // The environment overrides the file, so a bad port there is the variable's fault.
  await writeFile(file, JSON.stringify({ tftp: { port: 6970 } }));
  invalid(
    () => loadConfig({ env: { ...env, PATCH_DEPOT_TFTP_PORT: '70000' } }),
    /\(from PATCH_DEPOT_TFTP_PORT\)$/,
  );
  await writeFile(file, '{\n  "tftp": {\n    "port": 6970,\n  }\n}\n');
  invalid(() => loadConfig({ env }), /cannot read as JSON: .*\(line 4, column 3\)$/);
});

test('deploy.concurrency cannot exceed jobs.concurrency: each host runs as a job', async (t) => {
  const dir = await tempDir(t);
  const env = { PATCH_DEPOT_DATA_DIR: dir };
  invalid(
    () => loadConfig({ env, overrides: { 'deploy.concurrency': 20 } }),
    /^deploy\.concurrency: 20 hosts at a time needs jobs\.concurrency 20 or more \(it is 6\)/,
  );
  const raised = loadConfig({ env, overrides: { 'deploy.concurrency': 20, 'jobs.concurrency': 22 } });
  assert.equal(raised.deploy.concurrency, 20);
  assert.equal(loadConfig({ env }).deploy.concurrency, 5, 'the defaults fit together');
});

test('hostile values a careless admin may paste are refused with the reason', async (t) => {
  const dir = await tempDir(t);
  const env = { PATCH_DEPOT_DATA_DIR: dir };
  const file = join(dir, 'config.json');
  const withFile = async (json: unknown) => {
    await writeFile(file, JSON.stringify(json));
    return () => loadConfig({ env: {}, file });
  };
  // A password in a URL would be shown on the Feeds page to every account (and the cache
  // refuses such URLs anyway).
  const feed = { id: 'osv', kind: 'osv', url: 'https://user:secret@osv.example/all.zip' };
  invalid(await withFile({ dataDir: dir, catalog: { feeds: [feed] } }), /user name or password/);
  invalid(
    await withFile({ dataDir: dir, cache: { upstreams: ['http://u:p@mirror.example/debian'] } }),
    /user name or password/,
  );
  invalid(await withFile({ dataDir: dir, cache: { parent: 'http://u@depot.example:3142' } }), /user name/);
  // Control bytes in the site name would reach terminals, logs and the signed summary.
  invalid(await withFile({ dataDir: dir, site: { name: 'Branch\u001b[2J 7' } }), /control characters/);
  invalid(await withFile({ dataDir: dir, site: { name: 'Branch\n7' } }), /control characters/);
  // One unreadable trusted key would make every signed manifest fail: refused up front.
  invalid(
    await withFile({ dataDir: dir, catalog: { trustedKeys: ['A'.repeat(40)] } }),
    /not an Ed25519 public key/,
  );
  const good = 'MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=';
  const goodRaw = Buffer.from(good, 'base64').subarray(12).toString('base64');
  const ok = await withFile({
    dataDir: dir,
    site: { name: 'Branch 7 (north)' },
    catalog: { trustedKeys: [goodRaw] },
  });
  assert.equal(ok().site.name, 'Branch 7 (north)');
  assert.equal(loadConfig({ env }).cache.upstreams.length, 0);
});

test('a value out of range is told in words with its bound; other issues keep their message', () => {
  const words = (schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    assert.ok(!r.success);
    return issueInWords(r.error.issues[0]!);
  };
  assert.equal(words(z.number().min(15), 3), 'must be at least 15');
  assert.equal(words(z.number().max(65535), 70000), 'must be at most 65535');
  assert.equal(words(z.number().gt(0), 0), 'must be more than 0');
  assert.equal(words(z.string().max(80), 'x'.repeat(81)), 'must be at most 80 characters');
  assert.equal(words(z.string().min(1), ''), 'must be at least 1 character');
  assert.equal(words(z.array(z.string()).min(2), ['a']), 'must be at least 2 entries');
  assert.equal(words(z.string().length(4), 'abc'), 'must be exactly 4 characters');
  assert.equal(words(z.string().regex(/^a$/, 'starts with a'), 'b'), 'starts with a');
});
