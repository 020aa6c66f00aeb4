import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ApprovalContext, approveHost, globMatch } from '../../../daemon/deploy/policy/approvals.js';
import type { HostChange } from '../../../daemon/deploy/ports.js';

const HOUR = 3_600_000;
const now = Date.parse('2026-11-23T10:00:00Z');
const change: HostChange = {
  hostId: 'h1',
  ecosystem: 'dpkg',
  upgrades: [
    { name: 'openssl', version: '3.0.2-1', advisories: ['DSA-1'] },
    { name: 'linux-image-amd64', version: '6.1.2-1', advisories: ['DSA-2'] },
  ],
  allowRemove: [],
};
const ctx = (over: Partial<ApprovalContext> = {}): ApprovalContext => ({
  approvals: [],
  rules: [],
  severityOf: (id) => (id === 'DSA-1' ? 'high' : 'critical'),
  group: 'office',
  ring: 1,
  pilotDoneAt: undefined,
  now,
  ...over,
});
const manual = (scope: ApprovalContext['approvals'][number]['scope'], deadline?: string) => ({
  scope,
  by: 'admin',
  at: '2026-11-23T09:00:00.000Z',
  from: '192.0.2.10',
  ...(deadline ? { deadline } : {}),
});

test('globs match whole names', () => {
  assert.ok(globMatch('linux-image-*', 'linux-image-amd64'));
  assert.ok(!globMatch('linux-image-*', 'xlinux-image-amd64'));
  assert.ok(globMatch('libssl?', 'libssl3'));
  assert.ok(!globMatch('lib.sl3', 'libxsl3'));
  assert.ok(globMatch('*', ''));
  assert.ok(globMatch('a*b*c', 'aXbYbZc'));
  assert.ok(!globMatch('a*b*c', 'aXbYbZ'));
  assert.ok(globMatch('*-dev', 'libc6-dev-dev'));
  assert.ok(!globMatch('?', ''));
  assert.ok(globMatch('(a|b)+[x]$', '(a|b)+[x]$'), 'only * and ? are special');
});

test('a glob that would backtrack for hours answers at once (an approval typed on the page)', () => {
  // As a regular expression (.*.){20}.*! this tried some 10^11 splits of the name: the daemon's
  // thread held for hours, past the systemd watchdog. Matched left to right, it is linear-ish.
  const name = 'linux-headers-6.1.0-28-cloud-amd64-unsigned';
  assert.equal(globMatch(`${'*?'.repeat(20)}*!`, name), false);
  assert.equal(globMatch(`${'*l'.repeat(30)}*z`, 'l'.repeat(200)), false);
  assert.equal(globMatch(`${'*?'.repeat(20)}*d`, name), true);
});

test('manual approval per advisory, package or group; the host runs once every upgrade is approved', () => {
  const one = approveHost(change, ctx({ approvals: [manual({ kind: 'advisory', id: 'DSA-1' })] }));
  assert.deepEqual(one, { approved: false, waiting: ['linux-image-amd64 6.1.2-1 is waiting for approval'] });
  const both = approveHost(
    change,
    ctx({
      approvals: [
        manual({ kind: 'advisory', id: 'DSA-1' }),
        manual({ kind: 'package', name: 'linux-*' }, '2026-11-25T00:00:00.000Z'),
      ],
    }),
  );
  assert.deepEqual(both, { approved: true, deadline: Date.parse('2026-11-25T00:00:00.000Z') });
  assert.equal(
    approveHost(change, ctx({ approvals: [manual({ kind: 'group', group: 'office' })] })).approved,
    true,
  );
  assert.equal(
    approveHost(change, ctx({ approvals: [manual({ kind: 'group', group: 'lab' })] })).approved,
    false,
  );
});

test('auto-approval by severity after time in the pilot ring; "never" keeps kernels for a person', () => {
  const rules = [
    { kind: 'never' as const, packages: 'linux-image-*' },
    { kind: 'auto' as const, minSeverity: 'high' as const, afterPilotMs: 24 * HOUR },
  ];
  const waiting = (c: ApprovalContext) => {
    const a = approveHost(change, c);
    return a.approved ? [] : a.waiting;
  };
  assert.deepEqual(waiting(ctx({ rules, ring: 0 })), [
    'openssl 3.0.2-1 is waiting for approval',
    'linux-image-amd64 needs manual approval (never: linux-image-*)',
  ]);
  assert.equal(waiting(ctx({ rules, pilotDoneAt: now - 23 * HOUR })).length, 2, 'not 24 h yet');
  assert.deepEqual(waiting(ctx({ rules, pilotDoneAt: now - 24 * HOUR })), [
    'linux-image-amd64 needs manual approval (never: linux-image-*)',
  ]);
  const kernelOk = ctx({
    rules,
    pilotDoneAt: now - 24 * HOUR,
    approvals: [manual({ kind: 'package', name: 'linux-image-amd64' })],
  });
  assert.equal(
    approveHost(change, kernelOk).approved,
    true,
    'a person may still approve what "never" holds back',
  );
  const mediumOnly = ctx({ rules: [{ kind: 'auto', minSeverity: 'critical' }], severityOf: () => 'medium' });
  assert.equal(approveHost(change, mediumOnly).approved, false);
});
