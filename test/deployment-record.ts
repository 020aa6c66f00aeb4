/**
 * A deployment record for store tests and benches: everything but its hosts as a deployment
 * created with the default policy, run now, has it; `over` sets the rest (state, title, rings...).
 */
import type { Deployment, HostState } from '../daemon/deploy/deployment.js';

export const deploymentRecord = (
  id: string,
  hosts: HostState[],
  over: Partial<Omit<Deployment, 'id' | 'hosts'>> = {},
): Deployment => ({
  id,
  title: 'December fixes',
  createdAt: '2026-12-01T10:00:00.000Z',
  createdBy: 'admin',
  state: 'completed',
  advisories: {},
  notApplicable: [],
  policy: {
    concurrency: 5,
    batchSize: 50,
    batchFailureThreshold: 3,
    gate: { minSuccessRate: 0.9, minVerified: 1, soakMs: 0 },
    windows: {},
    reboot: {},
    rules: [],
    spreadMs: 0,
    now: true,
  },
  approvals: [],
  hosts,
  rings: [0, 1, 2].map(() => ({ state: over.state === 'running' ? 'running' : 'passed', batch: 1 })),
  breakers: [],
  haltedUpdates: [],
  ...over,
});
