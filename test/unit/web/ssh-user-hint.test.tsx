/**
 * Where SSH access is given, the user hint says what deploying needs: "root is not needed" was
 * true of inventory only, and a technician who followed it found out at the first deployment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyCard } from '../../../web/views/inventory.js';
import { ManageForm } from '../../../web/views/ssh-access.js';

test('the Inventory key card says a deploying login is root or has passwordless sudo', () => {
  const html = String(<KeyCard publicKey="ssh-ed25519 AAAA x" fingerprint="SHA256:x" />);
  assert.doesNotMatch(html, /root is not needed/);
  assert.match(html, /to deploy fixes the same login must be root or may run the package tool with/);
  assert.match(html, /<code>sudo<\/code> and no password/);
});

test("a host page's Manage form says so too", () => {
  type P = Parameters<typeof ManageForm>[0];
  const view = { host: { id: 'h-0000000001', address: '10.0.0.5' } } as unknown as P['view'];
  const html = String(<ManageForm view={view} csrf="x" />);
  assert.doesNotMatch(html, /root is not needed/);
  assert.match(html, /to deploy fixes it must be root or have passwordless sudo/);
});
