/** Who is offered "Manage this machine": SSH seen, a Unix-like OS, or nothing against it; never a printer or a TV. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sshManageable } from '../../../daemon/hosts/manageable.js';
import { asset } from '../../fakes/host-assets.js';

const offer = (over: Parameters<typeof asset>[0]) => sshManageable(asset(over)).offer;

test('SSH open, a Linux/Unix hint, an unknown device or a bare address: offered', () => {
  assert.equal(offer({ ip: '10.0.0.1', deviceClass: 'server', openPorts: [22] }), true);
  assert.equal(offer({ ip: '10.0.0.1', deviceClass: 'workstation', os: 'Ubuntu' }), true);
  assert.equal(offer({ ip: '10.0.0.1' }), true);
  assert.equal(sshManageable(undefined).offer, true);
});

test('printers, phones, network gear and smart devices are never told to give SSH access', () => {
  for (const deviceClass of ['printer', 'phone', 'network', 'iot'] as const) {
    const m = sshManageable(asset({ ip: '10.0.0.1', deviceClass, openPorts: [22], os: 'Linux/Unix' }));
    assert.equal(m.offer, false, deviceClass);
    assert.match(m.why, /not patched over an SSH login/);
  }
});

test('an OS the appliance cannot read over SSH is not offered', () => {
  const m = sshManageable(asset({ ip: '10.0.0.1', deviceClass: 'workstation', os: 'Windows' }));
  assert.deepEqual(m, { offer: false, why: 'Windows: no package database the appliance reads over SSH' });
});

test('the appliance itself (its own address in a scope) is never offered SSH management, and says why', () => {
  const m = sshManageable(
    asset({ ip: '10.0.0.2', deviceClass: 'unknown', openPorts: [22], evidence: ['this appliance', 'ssh'] }),
  );
  assert.equal(m.offer, false);
  assert.match(m.why, /Patch Depot appliance itself/);
});
