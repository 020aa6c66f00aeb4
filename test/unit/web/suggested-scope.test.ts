/** The add-scope form starts with the appliance's own subnet: the one the technician's browser is on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suggestedScope } from '../../../web/routes/scopes.js';

const WIFI = { interface: 'wlan0', address: '192.168.50.2', cidr: '192.168.50.0/24', mac: null };
const LAN = { interface: 'eth0', address: '10.20.0.5', cidr: '10.20.0.0/24', mac: null };

test('the subnet the browser is on is pre-filled, name and all; nothing else is chosen for the tech', () => {
  assert.deepEqual(suggestedScope([WIFI, LAN], '10.20.0.77'), {
    name: 'LAN on eth0',
    include: '10.20.0.0/24',
    exclude: '',
    everyMinutes: '',
    enabled: true,
  });
  // A browser from elsewhere (a VPN, loopback): the first subnet of the appliance.
  assert.equal(suggestedScope([WIFI, LAN], '127.0.0.1').include, '192.168.50.0/24');
  // No subnet to suggest: an empty form.
  assert.deepEqual(suggestedScope([], '10.20.0.77'), {
    name: '',
    include: '',
    exclude: '',
    everyMinutes: '',
    enabled: true,
  });
});
