import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, HostState } from '../../../daemon/deploy/deployment.js';
import { defaultPolicy } from '../../../daemon/deploy/policy/default-policy.js';
import { advanceRings, type RingContext } from '../../../daemon/deploy/policy/rings.js';

const HOUR = 3_600_000;
const t0 = Date.parse('2026-11-23T10:00:00Z');

const hostIn = (hostId: string, ring: number): HostState => ({
  hostId,
  group: 'g',
  ring,
  change: {
    hostId,
    ecosystem: 'dpkg',
    upgrades: [{ name: 'openssl', version: '2', advisories: ['A'] }],
    allowRemove: [],
  },
  phase: 'pending',
  attempts: 0,
  failures: [],
  steps: [],
});

const deployment = (hosts: HostState[], over: Partial<Deployment['policy']> = {}): Deployment => ({
  id: 'dep-1',
  title: 't',
  createdAt: new Date(t0).toISOString(),
  createdBy: 'admin',
  state: 'running',
  advisories: {},
  notApplicable: [],
  policy: { ...defaultPolicy(), ...over },
  approvals: [],
  hosts,
  rings: [0, 1, 2].map(() => ({ state: 'pending' as const, batch: 0 })),
  breakers: [],
  haltedUpdates: [],
});

const ctx = (now: number, over: Partial<RingContext> = {}): RingContext => ({
  now,
  halted: new Set(),
  breaker: () => undefined,
  waitingApproval: () => undefined,
  ...over,
});

const end = (h: HostState, outcome: HostState['outcome']) => Object.assign(h, { outcome, phase: 'done' });
const ids = (hs: HostState[]) => hs.map((h) => h.hostId);

test('batches: the next batch waits for the last; too many failures in a batch stop before the next', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'].map((id) => hostIn(id, 1));
  const d = deployment(hosts, { batchSize: 2, batchFailureThreshold: 0 });
  assert.deepEqual(ids(advanceRings(d, ctx(t0)).launch), ['a', 'b'], 'ring 0 is empty and passes at once');
  assert.equal(d.rings[0]!.state, 'passed');
  for (const h of hosts.slice(0, 2)) h.phase = 'queued';
  end(hosts[0]!, 'verified');
  assert.deepEqual(advanceRings(d, ctx(t0)).launch, [], 'b still runs');
  end(hosts[1]!, 'failed');
  assert.deepEqual(advanceRings(d, ctx(t0)).launch, []);
  assert.equal(d.state, 'halted');
  assert.match(d.note ?? '', /ring 1 batch 1: 1 hosts failed \(threshold 0\); stopped before the next batch/);
  assert.deepEqual(d.haltedUpdates, ['openssl=2']);
  assert.equal(hosts[2]!.phase, 'pending');
});

test('the gate: success rate, then minimum verified count, then the soak before the next ring', () => {
  const pilot = [hostIn('p1', 0), hostIn('p2', 0)];
  const outer = hostIn('o1', 1);
  const d = deployment([...pilot, outer], { gate: { minSuccessRate: 1, minVerified: 2, soakMs: 24 * HOUR } });
  assert.deepEqual(ids(advanceRings(d, ctx(t0)).launch), ['p1', 'p2']);
  end(pilot[0]!, 'verified');
  end(pilot[1]!, 'reboot-pending');
  const soak = advanceRings(d, ctx(t0 + HOUR));
  assert.deepEqual(soak, { launch: [], wakeAt: t0 + 25 * HOUR });
  assert.equal(d.rings[0]!.state, 'soaking');
  assert.deepEqual(advanceRings(d, ctx(t0 + 25 * HOUR - 1)).launch, []);
  assert.deepEqual(ids(advanceRings(d, ctx(t0 + 25 * HOUR)).launch), ['o1']);
  end(outer, 'verified');
  advanceRings(d, ctx(t0 + 26 * HOUR));
  assert.equal(
    d.state,
    'completed',
    'the last ring needs no soak, and promotes nothing, so the verified count does not apply',
  );
});

test('too few verified hosts fail the gate; not-applicable hosts do not count', () => {
  const hosts = [hostIn('p1', 0), hostIn('p2', 0), hostIn('o1', 1)];
  const d = deployment(hosts, { gate: { minSuccessRate: 1, minVerified: 2, soakMs: 0 } });
  advanceRings(d, ctx(t0));
  end(hosts[0]!, 'verified');
  end(hosts[1]!, 'not-applicable');
  advanceRings(d, ctx(t0));
  assert.equal(d.state, 'halted');
  assert.match(d.note ?? '', /ring 0 gate: 1 hosts verified; the gate needs 2/);
});

test('paused starts nothing in any ring; an update halted elsewhere, an open breaker and approvals hold hosts', () => {
  const hosts = [hostIn('p1', 0), hostIn('p2', 0), hostIn('p3', 0)];
  const d = deployment(hosts);
  d.state = 'paused';
  assert.deepEqual(advanceRings(d, ctx(t0)).launch, []);
  d.state = 'running';
  const held = ctx(t0, {
    breaker: (id) => (id === 'p1' ? 'breaker open' : undefined),
    waitingApproval: (h) => (h.hostId === 'p2' ? 'openssl 2 is waiting for approval' : undefined),
  });
  const step = advanceRings(d, held);
  assert.deepEqual(ids(step.launch), ['p3']);
  assert.deepEqual([hosts[0]!.outcome, hosts[0]!.reason], ['failed', 'breaker open']);
  assert.equal(hosts[1]!.waiting, 'openssl 2 is waiting for approval');
  // The hosts changed on the way are named, for the journal (deployment-journal.ts).
  assert.deepEqual(ids(step.touched ?? []), ['p1', 'p2']);
  end(hosts[2]!, 'verified');
  assert.deepEqual(advanceRings(d, held).touched, undefined, 'p2 still waits for the same reason');

  const other = deployment([hostIn('x1', 0)]);
  advanceRings(other, ctx(t0, { halted: new Set(['openssl=2']) }));
  assert.equal(other.state, 'halted');
  assert.match(other.note ?? '', /promotion of openssl=2 is halted/);
});
