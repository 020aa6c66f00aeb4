/**
 * The host-group picker lists deployment targets: the appliance itself, a printer and a TV were
 * offered as pilot machines (a deployment to them can only fail). One already ticked stays, saying
 * why it is no target, so unticking it is a choice the technician sees.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sshManageable } from '../../../daemon/hosts/manageable.js';
import type { WebDeps } from '../../../web/env.js';
import { knownHostsOf } from '../../../web/routes/settings-config.js';
import { emptyDraft } from '../../../web/views/group-form.js';
import { MemberPicker } from '../../../web/views/settings-groups.js';
import { sampleAsset } from '../../sample-asset.js';

const machines = {
  'h-000000000a': sampleAsset({
    id: 'a1',
    ip: '10.0.0.1',
    evidence: ['this appliance'],
    deviceClass: 'server',
  }),
  'h-000000000b': sampleAsset({ id: 'a2', ip: '10.0.0.11', deviceClass: 'printer' }),
  'h-000000000c': sampleAsset({ id: 'a3', ip: '10.0.0.12', deviceClass: 'iot' }),
  'h-000000000d': sampleAsset({ id: 'a4', ip: '10.0.0.18', deviceClass: 'server', openPorts: [22] }),
};
type Id = keyof typeof machines;

const deps = {
  hosts: {
    list: () => Object.entries(machines).map(([id, a]) => ({ id, address: a.ip })),
    label: (id: Id) => machines[id].ip,
    manageability: (id: Id) => sshManageable(machines[id]),
  },
} as unknown as WebDeps;

test('the picker offers only machines patched over SSH; a ticked other one stays, saying why', () => {
  const known = knownHostsOf(deps);
  const html = String(<MemberPicker d={emptyDraft()} known={known} />);
  assert.match(html, /value="host:h-000000000d"/);
  for (const id of ['h-000000000a', 'h-000000000b', 'h-000000000c'])
    assert.doesNotMatch(html, new RegExp(`value="host:${id}"`), id);
  assert.match(html, /This appliance, printers, phones, network\s+devices and TVs are not listed/);

  const ticked = String(<MemberPicker d={{ ...emptyDraft(), hosts: ['host:h-000000000b'] }} known={known} />);
  assert.match(ticked, /value="host:h-000000000b" checked=""/);
  assert.match(ticked, /\(a printer: its firmware is not patched over an SSH login\)/);
  assert.doesNotMatch(ticked, /value="host:h-000000000c"/);
});
