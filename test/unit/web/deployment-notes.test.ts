/** A deployment's halt note names its hosts as the page's host table does, not by their ids. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namedHosts } from '../../../web/views/deployment.js';

test('a ring gate note names each failed host by its label; other text is left alone', () => {
  const hosts = [{ hostId: 'h-4beb81773b' }, { hostId: 'h-0000000001' }];
  const label = (id: string) => (id === 'h-4beb81773b' ? '10.213.19.20' : 'pc-2.lan');
  const note =
    'ring 1 gate: 1 of 3 hosts succeeded (33% < 100%): h-4beb81773b: install: postinst failed (exit 1); h-0000000001: unreachable';
  assert.equal(
    namedHosts(note, hosts, label),
    'ring 1 gate: 1 of 3 hosts succeeded (33% < 100%): 10.213.19.20: install: postinst failed (exit 1); pc-2.lan: unreachable',
  );
  // An id of a host outside the deployment, or one not followed by its reason, stays as written.
  assert.equal(namedHosts('h-ffffffffff: gone', hosts, label), 'h-ffffffffff: gone');
  assert.equal(namedHosts('see h-4beb81773b', hosts, label), 'see h-4beb81773b');
});
