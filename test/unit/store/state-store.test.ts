import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DepotError } from '../../../daemon/errors.js';
import { STATE_VERSION } from '../../../daemon/store/schema.js';
import { StateStore } from '../../../daemon/store/state-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const open = (dataDir: string, extra: Partial<ConstructorParameters<typeof StateStore>[0]> = {}) =>
  new StateStore({ dataDir, debounceMs: 20, maxDelayMs: 200, log: memoryLogger(), ...extra });

test('a fresh store writes an initial state with a secret and no admin password', async (t) => {
  const dir = await tempDir(t);
  const store = open(dir);
  await store.start();
  const onDisk = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  assert.equal(onDisk.schemaVersion, STATE_VERSION);
  assert.deepEqual(onDisk.auth.users, []);
  assert.match(onDisk.secret, /^[0-9a-f]{64}$/);
  await store.stop();
});

test('a burst of updates is coalesced into few writes and every update is acknowledged durably', async (t) => {
  const dir = await tempDir(t);
  const store = open(dir, { debounceMs: 50, maxDelayMs: 1000 });
  await store.start();
  const before = store.writes;
  await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      store.update((s) => {
        s.auth.sessions.push({
          tokenHash: `h${i}`,
          createdAt: '',
          expiresAt: '',
          lastSeenAt: '',
          remoteAddr: '',
          user: 'admin',
        });
      }),
    ),
  );
  assert.ok(store.writes - before <= 2, `expected coalesced writes, got ${store.writes - before}`);
  const onDisk = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  assert.equal(onDisk.auth.sessions.length, 100);
  await store.stop();
});

test('stop() flushes pending changes', async (t) => {
  const dir = await tempDir(t);
  const store = open(dir, { debounceMs: 60_000, maxDelayMs: 60_000 });
  await store.start();
  const pending = store.update((s) => {
    s.auth.users.push({
      name: 'admin',
      role: 'admin' as const,
      passwordHash: 'x',
      passwordSetAt: 'flushed',
      createdAt: '',
    });
  });
  await store.stop();
  await pending;
  const onDisk = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  assert.equal(onDisk.auth.users[0].passwordSetAt, 'flushed');
});

test('state survives a restart', async (t) => {
  const dir = await tempDir(t);
  const a = open(dir);
  await a.start();
  await a.update((s) => {
    s.auth.users.push({
      name: 'admin',
      role: 'admin' as const,
      passwordHash: 'x',
      passwordSetAt: 'flushed',
      createdAt: '',
    });
  });
  await a.stop();
  const b = open(dir);
  await b.start();
  assert.equal(b.data.auth.users[0]?.passwordHash, 'x');
  assert.equal(b.data.secret, a.data.secret);
  await b.stop();
});

test('older documents are migrated step by step and written back', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'state.json'), JSON.stringify({ schemaVersion: 0, legacy: 'yes' }));
  const store = open(dir, {
    version: 2,
    migrations: [(d) => ({ ...d, step1: true }), (d) => ({ ...d, step2: d.step1 === true })],
  });
  await store.start();
  const onDisk = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  assert.deepEqual(onDisk, { schemaVersion: 2, legacy: 'yes', step1: true, step2: true });
  await store.stop();
});

test('a state file from a newer build is refused, not downgraded', async (t) => {
  const dir = await tempDir(t);
  const original = JSON.stringify({ schemaVersion: 99 });
  await writeFile(join(dir, 'state.json'), original);
  await assert.rejects(
    open(dir).start(),
    (err: unknown) => err instanceof DepotError && err.code === 'STORE_VERSION',
  );
  assert.equal(await readFile(join(dir, 'state.json'), 'utf8'), original);
});

test('a corrupt state file is reported with its path and left untouched', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'state.json'), '{"schemaVersion": 1, "auth": ');
  await assert.rejects(
    open(dir).start(),
    (err: unknown) =>
      err instanceof DepotError && err.code === 'STORE_CORRUPT' && err.message.includes('state.json'),
  );
  assert.equal(await readFile(join(dir, 'state.json'), 'utf8'), '{"schemaVersion": 1, "auth": ');
});

test('leftover temp files from an interrupted write are swept at start', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'state.json.tmp-123-abcd'), 'partial');
  const store = open(dir);
  await store.start();
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual((await readdir(dir)).sort(), ['state.json']);
  await store.stop();
});

test('a v1 state file migrates to v3: no discovery scopes (no scope, no probe), no accounts', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'state.json'),
    JSON.stringify({
      schemaVersion: 1,
      createdAt: 'x',
      secret: 'ab'.repeat(32),
      auth: { adminPasswordHash: null, passwordSetAt: null, sessions: [] },
    }),
  );
  const store = open(dir);
  await store.start();
  assert.deepEqual(store.data.discovery, { scopes: [] });
  assert.deepEqual(store.data.auth.users, []);
  assert.equal(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).schemaVersion, 3);
  await store.stop();
});

test('a v2 state file migrates to v3: the admin password becomes the account admin, its sessions kept', async (t) => {
  const dir = await tempDir(t);
  const session = {
    tokenHash: 'h',
    createdAt: 'c',
    expiresAt: 'e',
    lastSeenAt: 'l',
    remoteAddr: '192.0.2.1',
  };
  await writeFile(
    join(dir, 'state.json'),
    JSON.stringify({
      schemaVersion: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      secret: 'ab'.repeat(32),
      auth: { adminPasswordHash: 'scrypt$x', passwordSetAt: '2026-02-02T00:00:00.000Z', sessions: [session] },
      discovery: { scopes: [] },
    }),
  );
  const store = open(dir);
  await store.start();
  assert.deepEqual(store.data.auth.users, [
    {
      name: 'admin',
      role: 'admin',
      passwordHash: 'scrypt$x',
      passwordSetAt: '2026-02-02T00:00:00.000Z',
      createdAt: '2026-02-02T00:00:00.000Z',
    },
  ]);
  assert.deepEqual(store.data.auth.sessions, [{ ...session, user: 'admin' }]);
  const onDisk = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  assert.equal(onDisk.schemaVersion, 3);
  assert.equal(onDisk.auth.adminPasswordHash, undefined);
  await store.stop();
});

test('a state file that is not an object, or lacks what the daemon relies on, is refused', async (t) => {
  for (const text of [
    'null',
    '[]',
    JSON.stringify({ schemaVersion: 3, createdAt: 'x', secret: 'ab'.repeat(32) }),
  ]) {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'state.json'), text);
    await assert.rejects(
      open(dir).start(),
      (err: unknown) => err instanceof DepotError && err.code === 'STORE_CORRUPT',
      text,
    );
    assert.equal(await readFile(join(dir, 'state.json'), 'utf8'), text, 'left untouched');
  }
});

test('a failing write rejects the update, flush and stop (no silent success)', async (t) => {
  const dir = await tempDir(t);
  const store = open(dir);
  await store.start();
  // Renaming a file over a directory fails for every user, root included.
  await rm(join(dir, 'state.json'));
  await mkdir(join(dir, 'state.json'));
  const pending = store.update((s) => {
    s.auth.users.push({
      name: 'admin',
      role: 'admin' as const,
      passwordHash: 'x',
      passwordSetAt: 'not durable',
      createdAt: '',
    });
  });
  await assert.rejects(pending, /EISDIR|directory/i);
  await assert.rejects(store.flush().then(() => store.update(() => {})));
  await assert.rejects(store.stop());
});
