/**
 * Verification reads a fresh inventory: an upgrade counts only when every installed instance of
 * the package is at the planned version or above by the host's own version rules, and a failed
 * collection becomes a StepFailure deployment can act on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareWithInventory, InventoryVerifier } from '../../../daemon/deploy/inventory-verifier.js';
import { StepFailure } from '../../../daemon/deploy/ports.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import type { HostCredential } from '../../../daemon/remote/credentials.js';
import { RemoteError } from '../../../daemon/remote/remote-error.js';

const inventory = (packages: HostInventory['packages']): HostInventory =>
  ({
    hostId: 'h1',
    collectedAt: '2026-12-03T10:00:00.000Z',
    os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12' },
    kernel: '6.1.0',
    packages,
    ecosystem: 'dpkg',
    rebootRequired: false,
  }) as HostInventory;

const up = (name: string, version: string) => ({ name, version, advisories: ['DSA-1'] });

test('dpkg rules decide: an epoch, a tilde and a newer revision', () => {
  const inv = inventory([
    { name: 'openssl', version: '3.0.15-1~deb12u1' },
    { name: 'libssl3', version: '3.0.15-1~deb12u1', arch: 'amd64' },
    { name: 'libssl3', version: '3.0.11-1~deb12u2', arch: 'i386' },
    { name: 'tzdata', version: '1:2024a-0' },
  ]);
  const r = compareWithInventory(inv, [
    up('openssl', '3.0.15-1'), // ~ sorts before: not yet
    up('libssl3', '3.0.15-1~deb12u1'), // the i386 instance is behind
    up('tzdata', '2025a-0'), // epoch 1 wins
    up('gone', '1.0'),
  ]);
  assert.deepEqual(
    r.verified.map((u) => u.name),
    ['tzdata'],
  );
  assert.deepEqual(
    r.missing.map((u) => u.name),
    ['openssl', 'libssl3', 'gone'],
  );
});

const cred = { hostId: 'h1' } as HostCredential;
const change = {
  hostId: 'h1',
  ecosystem: 'dpkg' as const,
  upgrades: [up('openssl', '3.0.15-1')],
  allowRemove: [],
};

test('verify collects afresh and compares; no access, no connection and other failures are told apart', async () => {
  let collected = 0;
  const ok = new InventoryVerifier({
    credentials: { get: async () => cred },
    collect: async () => {
      collected++;
      return inventory([{ name: 'openssl', version: '3.0.16-1' }]);
    },
  });
  assert.deepEqual((await ok.verify(change)).verified, change.upgrades);
  assert.equal(collected, 1);

  const kindOf = async (v: InventoryVerifier) =>
    v.verify(change).then(
      () => 'ok',
      (err: unknown) => (err instanceof StepFailure ? err.kind : `not a StepFailure: ${err}`),
    );
  const failing = (err: Error) =>
    new InventoryVerifier({
      credentials: { get: async () => cred },
      collect: async () => {
        throw err;
      },
    });
  assert.equal(
    await kindOf(
      new InventoryVerifier({
        credentials: { get: async () => undefined },
        collect: async () => inventory([]),
      }),
    ),
    'permanent',
  );
  assert.equal(await kindOf(failing(new RemoteError('connect', 'connection refused'))), 'unreachable');
  assert.equal(await kindOf(failing(new RemoteError('auth', 'key refused'))), 'permanent');
  assert.equal(await kindOf(failing(new Error('disk full'))), 'transient');
});
