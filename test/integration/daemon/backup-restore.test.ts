/**
 * Backup and restore with the real daemon: a site with an account, an API token, a pinned host key
 * and its site key is backed up from Settings; a fresh appliance restores it from its setup page
 * (setup code required) and, restarted, is the same site: the same accounts sign in, the token
 * works, the summary's JWS verifies with the old site key, the pinned keys are the same. Then the
 * CLI: backup and restore round-trip with the daemon stopped, and mistakes are refused plainly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import { setupCodeOf } from '../../support/setup-code.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { setUpOverHttp } from '../web/http-session.js';
import { spawnDaemon } from './spawn-daemon.js';

const PASSPHRASE = 'a backup passphrase 42';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'daemon/main.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

test('a backup from Settings restores onto a fresh appliance as the same site', {
  timeout: 180_000,
}, async (t) => {
  const a = await tempDir(t);
  let daemon = await spawnDaemon(a);
  onTeardown(t, () => daemon.stop());
  const admin = await setUpOverHttp(daemon.url, 'site passphrase 1', a);
  await admin.post('/settings/accounts', {
    name: 'olga',
    role: 'operator',
    password: 'olga passphrase 1',
    confirm: 'olga passphrase 1',
  });
  const made = await (
    await admin.post('/settings/tokens', { name: 'HQ', scope: 'console:read' }, '/settings')
  ).text();
  const token = /<code>(pdt_[0-9a-f]{12}_[A-Za-z0-9_-]{43})<\/code>/.exec(made)?.[1];
  assert.ok(token);
  const pinned = readFileSync(join(a, 'site-key.json'), 'utf8');
  // A host key pinned by an earlier inventory, where the inventory service keeps them.
  const knownHosts = `${JSON.stringify({
    version: 1,
    hosts: {
      '192.0.2.7:22': {
        pinned: {
          type: 'ssh-ed25519',
          key: 'AAAAC3NzaC1lZDI1NTE5AAAAIG',
          fingerprint: 'SHA256:abc',
          seenAt: '2026-12-01T10:00:00.000Z',
        },
      },
    },
  })}\n`;
  mkdirSync(join(a, 'inventory'), { recursive: true });
  writeFileSync(join(a, 'inventory/known-hosts.json'), knownHosts);

  const mismatch = await admin.post(
    '/settings/backup',
    { passphrase: PASSPHRASE, confirm: 'other' },
    '/settings',
  );
  assert.equal(mismatch.status, 400);
  const res = await admin.post(
    '/settings/backup',
    { passphrase: PASSPHRASE, confirm: PASSPHRASE },
    '/settings',
  );
  assert.equal(res.status, 200);
  assert.match(
    res.headers.get('content-disposition') ?? '',
    /attachment; filename="patch-depot-\d{4}-\d\d-\d\d\.pdbackup"/,
  );
  const archive = Buffer.from(await res.arrayBuffer());
  assert.ok(archive.subarray(0, 8).equals(Buffer.from('PDBACKUP')));
  assert.equal(archive.includes(Buffer.from(token.slice(-20))), false, 'nothing readable inside');
  const summaryA = (await (
    await fetch(new URL('/api/v1/summary', daemon.url), { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { site: { id: string } };
  await daemon.stop();

  const b = await tempDir(t);
  daemon = await spawnDaemon(b);
  // Through the setup page's form, with a cookie jar, as a browser would.
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(new URL(path, daemon.url), {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of r.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return r;
  };
  const setupPage = await (await send('/setup')).text();
  assert.match(setupPage, /Restore it from a backup instead/);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(setupPage)![1]!;
  const form = (code: string, passphrase: string) => {
    const f = new FormData();
    f.set('_csrf', csrf);
    f.set('code', code);
    f.set('passphrase', passphrase);
    f.set('archive', new Blob([archive]), 'site.pdbackup');
    return f;
  };
  const noCode = await send('/setup/restore', { method: 'POST', body: form('AAAA-BBBB-CCCC', PASSPHRASE) });
  assert.equal(noCode.status, 403);
  assert.match(await noCode.text(), /that is not the setup code/);
  const code = await setupCodeOf(b);
  const wrong = await send('/setup/restore', { method: 'POST', body: form(code, 'not the passphrase') });
  assert.match(await wrong.text(), /wrong passphrase, or the backup is damaged/);
  assert.equal(existsSync(`${b}.restore-ready`), false, 'a refused restore stages nothing');
  const accepted = await send('/setup/restore', { method: 'POST', body: form(code, PASSPHRASE) });
  assert.equal(accepted.status, 200);
  assert.match(await accepted.text(), /Backup accepted/);
  // Not under systemd: the daemon stops by itself, asking to be started again.
  assert.equal(await new Promise((r) => daemon.proc.once('exit', r)), 75);

  daemon = await spawnDaemon(b);
  const summary = await fetch(new URL('/api/v1/summary', daemon.url), {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(summary.status, 200, 'the token from the backup works');
  assert.equal(((await summary.json()) as typeof summaryA).site.id, summaryA.site.id, 'the same site id');
  assert.equal(readFileSync(join(b, 'site-key.json'), 'utf8'), pinned, 'the same site key');
  assert.equal(
    readFileSync(join(b, 'inventory/known-hosts.json'), 'utf8'),
    knownHosts,
    'the same pinned host keys',
  );
  const jws = await (
    await fetch(new URL('/api/v1/summary.jws', daemon.url), { headers: { authorization: `Bearer ${token}` } })
  ).text();
  const key = (await (
    await fetch(new URL('/api/v1/site-key', daemon.url), { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { jwk: Record<string, string> };
  // The signature checks out with the site key the old appliance published.
  await compactVerify(jws, await importJWK(key.jwk, 'Ed25519'));
  const login = await send('/login');
  const lcsrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const signIn = await send('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: lcsrf, name: 'olga', password: 'olga passphrase 1' }).toString(),
  });
  assert.equal(signIn.status, 303, 'an account of the backup signs in');
  const audit = readFileSync(join(b, 'audit.jsonl'), 'utf8');
  assert.match(audit, /state restored from a backup/);
});

test('CLI backup and restore: a round trip with the daemon stopped; no passphrase, no restore while it runs', {
  timeout: 120_000,
}, async (t) => {
  const a = await tempDir(t);
  const daemon = await spawnDaemon(a);
  await setUpOverHttp(daemon.url, 'site passphrase 1', a);
  await daemon.stop();
  const out = join(await tempDir(t), 'site.pdbackup');
  const noPass = cli(['backup', '--out', out, '--data-dir', a], { PATCH_DEPOT_BACKUP_PASSPHRASE: '' });
  assert.equal(noPass.status, 2, 'a usage mistake');
  assert.match(noPass.stderr, /--passphrase-file FILE or PATCH_DEPOT_BACKUP_PASSPHRASE/);
  const passFile = join(await tempDir(t), 'pass');
  writeFileSync(passFile, `${PASSPHRASE}\n`);
  const made = cli(['backup', '--out', out, '--data-dir', a, '--passphrase-file', passFile]);
  assert.equal(made.status, 0, made.stderr);
  assert.match(made.stdout, /backup of .* written to .*site\.pdbackup/);

  const b = await tempDir(t);
  writeFileSync(join(b, 'state.json'), 'this appliance before');
  const wrong = cli(['restore', out, '--data-dir', b], {
    PATCH_DEPOT_BACKUP_PASSPHRASE: 'a wrong passphrase!',
  });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /wrong passphrase/);
  assert.doesNotMatch(wrong.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(readFileSync(join(b, 'state.json'), 'utf8'), 'this appliance before');
  const done = cli(['restore', out, '--data-dir', b], { PATCH_DEPOT_BACKUP_PASSPHRASE: PASSPHRASE });
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, /the state before is kept in .*before-restore/);
  assert.equal(readFileSync(join(b, 'state.json'), 'utf8'), readFileSync(join(a, 'state.json'), 'utf8'));

  const running = await spawnDaemon(b);
  t.after(() => running.stop());
  const busy = cli(['restore', out, '--data-dir', b], { PATCH_DEPOT_BACKUP_PASSPHRASE: PASSPHRASE });
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /in use by patch-depot serve/);
});
