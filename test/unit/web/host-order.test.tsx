/** Deployment pages list hosts ring by ring, then by the address shown, never by internal id. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanPreview } from '../../../daemon/deploy/new-deployment.js';
import { PlanTable } from '../../../web/views/deployments.js';
import { inRingOrder } from '../../../web/views/host-order.js';

// Ids sort differently from the addresses, as the host directory's hashed ids do.
const at: Record<string, string> = {
  h1: '10.0.0.18',
  h2: '10.0.0.20',
  h3: '10.0.0.100',
  h4: '10.0.0.9',
  h5: 'nas.lan',
};
const label = (id: string) => at[id] ?? id;
const ring: Record<string, number> = { h1: 0, h2: 1, h3: 1, h4: 0, h5: 1 };

test('hosts come ring by ring, then in address order (numeric for IPv4, names last)', () => {
  const hosts = ['h1', 'h2', 'h3', 'h4', 'h5'].map((hostId) => ({ hostId }));
  const listed = inRingOrder(hosts, (h) => ring[h.hostId]!, label).map((h) => label(h.hostId));
  assert.deepEqual(listed, ['10.0.0.9', '10.0.0.18', '10.0.0.20', '10.0.0.100', 'nas.lan']);
});

test('the plan preview lists its hosts in that order', () => {
  const preview: PlanPreview = {
    plan: {
      changes: ['h1', 'h2', 'h3', 'h4', 'h5'].map((hostId) => ({
        hostId,
        ecosystem: 'dpkg',
        upgrades: [{ name: 'curl', version: '2', advisories: ['DSA-1'] }],
        allowRemove: [],
      })),
      advisories: {},
      notApplicable: [],
    },
    placement: Object.fromEntries(Object.entries(ring).map(([id, r]) => [id, { group: `g${r}`, ring: r }])),
  };
  const html = String(<PlanTable preview={preview} label={label} />);
  const shown = [...html.matchAll(/<a href="[^"]*">([^<]+)<\/a>/g)].map((m) => m[1]);
  assert.deepEqual(shown, ['10.0.0.9', '10.0.0.18', '10.0.0.20', '10.0.0.100', 'nas.lan']);
});
