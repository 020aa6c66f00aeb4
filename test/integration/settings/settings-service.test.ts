/**
 * The config write path on a real file: changes keep everything else, are checked with the other
 * sources (environment, flags) as the daemon would, are written atomically, refuse a stale
 * version (also when two saves race), apply live what can be, list the rest for a restart, and
 * are audited.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLog, auditFile } from '../../../daemon/auth/audit-log.js';
import type { Config } from '../../../daemon/config.js';
import { SettingsService } from '../../../daemon/settings/settings-service.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const actor = { user: 'admin', role: 'admin', from: '192.0.2.1', request: 'POST /settings/config/x' };

const service = async (
  t: Parameters<typeof tempDir>[0],
  text: string | undefined,
  env: NodeJS.ProcessEnv = {},
) => {
  const dir = await tempDir(t);
  const file = join(dir, 'config.json');
  if (text !== undefined) await writeFile(file, text);
  const applied: string[] = [];
  const audit = new AuditLog(auditFile(dir));
  const settings = new SettingsService({
    source: { env, overrides: { dataDir: dir }, file },
    // Records what reached the services; the real ones are driven in test/integration/daemon/settings-live.
    live: () => ({
      catalog: { reconfigure: (s) => applied.push(`catalog ${s.feeds.map((f) => f.id).join(',')}`) },
      cache: { reconfigure: (c: Config['cache']) => applied.push(`cache ${c.wanRateKBps}`) },
      api: { rename: (name) => applied.push(`site ${name}`) },
    }),
    audit,
    log: memoryLogger(),
  });
  await settings.start();
  return { dir, file, settings, applied, audit };
};

test('a change keeps the rest of the file, applies live what it can and lists the rest for a restart', async (t) => {
  const text = '{\n  "log": { "level": "debug" },\n  "cache": { "quotaMB": 100 }\n}\n';
  const { file, dir, settings, applied, audit } = await service(t, text);
  const { version } = await settings.read();
  const out = await settings.change(
    version,
    [
      { path: 'cache.wanRateKBps', value: 256 },
      { path: 'cache.proxy.port', value: 3143 },
      { path: 'site.name', value: 'North' },
      { path: 'cache.quotaMB', value: undefined },
    ],
    actor,
  );
  assert.ok('state' in out);
  assert.deepEqual(out.changed.sort(), [
    'cache.proxy.port',
    'cache.quotaMB',
    'cache.wanRateKBps',
    'site.name',
  ]);
  assert.deepEqual(out.live.sort(), ['cache.wanRateKBps', 'site.name']);
  assert.deepEqual(out.restart.sort(), ['cache.proxy.port', 'cache.quotaMB']);
  assert.deepEqual(applied, ['cache 256', 'site North']);
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
    log: { level: 'debug' },
    cache: { wanRateKBps: 256, proxy: { port: 3143 } },
    site: { name: 'North' },
  });
  assert.equal((await stat(file)).mode & 0o777, 0o640);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.includes('.tmp-')),
    [],
    'no temp file left',
  );
  const actions = (await audit.newest(10)).map((e) => e.action).sort();
  assert.deepEqual(actions, [
    'setting cache.proxy.port: 3142 -> 3143',
    'setting cache.quotaMB: 100 -> 20480',
    'setting cache.wanRateKBps: 0 -> 256',
    'setting site.name: (default) -> "North"',
  ]);
});

test('an invalid change writes nothing and names the field; a stale or racing save is refused', async (t) => {
  const { file, settings } = await service(t, '{"site":{"name":"A"}}');
  const { version } = await settings.read();
  const bad = await settings.change(version, [{ path: 'cache.windows', value: ['nine-to-five'] }], actor);
  assert.ok('errors' in bad);
  assert.deepEqual(bad.errors, { 'cache.windows': 'entry 1: expected HH:MM-HH:MM' });
  assert.equal(await readFile(file, 'utf8'), '{"site":{"name":"A"}}');

  const same = await settings.change(version, [], actor);
  assert.ok('state' in same);
  assert.deepEqual(same.changed, []);
  assert.equal(
    await readFile(file, 'utf8'),
    '{"site":{"name":"A"}}',
    'nothing to save: not even reformatted',
  );

  const [first, second] = await Promise.allSettled([
    settings.change(version, [{ path: 'site.name', value: 'B' }], actor),
    settings.change(version, [{ path: 'site.name', value: 'C' }], actor),
  ]);
  assert.equal(first.status, 'fulfilled');
  assert.equal(second.status, 'rejected');
  assert.match(String((second as PromiseRejectedResult).reason), /changed since this page was loaded/);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).site.name, 'B');
});

test('the environment is checked with the file, and its settings are named as not editable', async (t) => {
  const { settings, file } = await service(t, undefined, { PATCH_DEPOT_CACHE_PROXY_PORT: '0' });
  assert.equal(
    settings.overriddenBy('cache.proxy.port'),
    'the environment variable PATCH_DEPOT_CACHE_PROXY_PORT',
  );
  assert.equal(settings.overriddenBy('dataDir'), 'a command-line flag');
  assert.equal(settings.overriddenBy('site.name'), undefined);
  const { version, config } = await settings.read();
  assert.equal(version, 'none', 'no file yet');
  assert.equal(config.cache.proxy.port, 0);
  // deploy.concurrency is checked against jobs.concurrency: the whole config, not the one field.
  const out = await settings.change(version, [{ path: 'deploy.concurrency', value: 20 }], actor);
  assert.ok('errors' in out);
  assert.match(out.errors['deploy.concurrency'] ?? '', /needs jobs.concurrency 20 or more/);
  await writeFile(file, '{"site": ');
  await assert.rejects(settings.read(), /is not a JSON object now: fix it by hand first/);
  await writeFile(file, '{"site": {"name": ""}}');
  await assert.rejects(settings.read(), /does not pass the config checks now \(site.name: /);
});

test('at start, temp files of a save cut short (kill -9) are removed: only this file’s, of a process gone', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'config.json');
  await writeFile(file, '{}\n');
  // A pid that was a process and is no more.
  const gone = spawnSync(process.execPath, ['-e', '']).pid!;
  const names = [
    `config.json.tmp-${gone}-0a1b2c3d`, // a save killed mid-write: removed
    `config.json.tmp-${process.pid}-0a1b2c3d`, // a save in flight: kept
    `other.conf.tmp-${gone}-0a1b2c3d`, // not ours (the directory may be /etc): kept
    'config.json.tmp-notes', // not a temp name: kept
  ];
  for (const n of names) await writeFile(join(dir, n), '{"half');
  const settings = new SettingsService({
    source: { env: {}, overrides: { dataDir: dir }, file },
    live: () => ({}),
    audit: new AuditLog(auditFile(dir)),
    log: memoryLogger(),
  });
  await settings.start();
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n !== 'config.json' && n !== 'audit.log').sort(),
    names.slice(1).sort(),
  );
});

test('deploy groups and policy are live for new deployments; concurrency and enabled wait for a restart', async (t) => {
  const text = '{ "deploy": { "groups": [{ "name": "pilot", "ring": 0, "members": ["10.0.0.1"] }] } }\n';
  const { file, settings } = await service(t, text);
  const started = (await settings.read()).config.deploy;
  assert.deepEqual((await settings.deploySettings(started))?.groups[0]?.members, ['10.0.0.1']);
  const out = await settings.change(
    (await settings.read()).version,
    [
      { path: 'deploy.groups', value: [{ name: 'pilot', ring: 0, members: ['host:h-00000000aa'] }] },
      { path: 'deploy.rules', value: [{ kind: 'never', packages: 'linux-image-*' }] },
      { path: 'deploy.gate', value: { soakHours: 2 } },
      { path: 'deploy.concurrency', value: 3 },
    ],
    actor,
  );
  assert.ok('state' in out, JSON.stringify(out));
  assert.deepEqual(out.live.sort(), ['deploy.gate.soakHours', 'deploy.groups', 'deploy.rules']);
  assert.deepEqual(out.restart, ['deploy.concurrency']);
  const now = await settings.deploySettings(started);
  assert.deepEqual(now?.groups[0]?.members, ['host:h-00000000aa']);
  assert.equal(now?.gate.soakHours, 2);
  assert.equal(now?.rules.length, 1);
  assert.equal(now?.concurrency, 5, 'the job limit in use stays until a restart');

  // Edited by hand: the next deployment reads it, and no restart is asked for it.
  const raw = JSON.parse(await readFile(file, 'utf8'));
  raw.deploy.groups[0].members = ['10.0.0.0/24'];
  await writeFile(file, JSON.stringify(raw));
  assert.deepEqual(settings.restartNeeded(await settings.read()), ['deploy.concurrency']);
  assert.deepEqual((await settings.deploySettings(started))?.groups[0]?.members, ['10.0.0.0/24']);
  // A hand edit that breaks the file: the last good groups stay in use.
  await writeFile(file, '{ "deploy": { "groups": [{ "name": "Bad Name", "ring": 0 }] } }');
  assert.deepEqual((await settings.deploySettings(started))?.groups[0]?.members, ['10.0.0.0/24']);
});
