/** The default route's interface, read from the kernel's table: the WAN side of a two-legged appliance. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRouteInterfaces } from '../../../daemon/discovery/default-route.js';

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';

test('the interfaces of up default routes, not those of subnets or host routes', () => {
  const table = [
    HEADER,
    'wan0\t00000000\t02D4A80A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'wan0\t00D4A80A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth0\t00D5A80A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    // a route that is not up, and a host route to 0.0.0.0/32 are no default route
    'wlan0\t00000000\t0101A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0',
    'eth1\t00000000\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
    '',
  ].join('\n');
  assert.deepEqual([...defaultRouteInterfaces(table)], ['wan0']);
  assert.deepEqual([...defaultRouteInterfaces(HEADER)], [], 'no default route (the lab before)');
  assert.deepEqual([...defaultRouteInterfaces('')], []);
});
