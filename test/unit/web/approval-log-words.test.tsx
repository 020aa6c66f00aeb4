/**
 * A deployment's audit log speaks the page's words: the button says "Allow … again", so the log
 * says "allow again", not the internal "reset-breaker", and it names hosts as the host table does
 * (their address), not by their directory id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEntry } from '../../../daemon/deploy/approval-log.js';
import { Approvals } from '../../../web/views/approvals.js';

type D = Parameters<typeof Approvals>[0]['d'];
const d = { id: 'dep-1', state: 'halted', advisories: {}, hosts: [] } as unknown as D;
const entry = (action: AuditEntry['action'], detail: string): AuditEntry => ({
  at: '2026-12-04T21:25:00.000Z',
  by: 'admin',
  from: '127.0.0.1',
  action,
  deploymentId: 'dep-1',
  detail,
});
const label = (id: string) => (id === 'h-16c0e61fa5' ? '10.213.93.20' : id);

test('allowing an update again and retrying a host read as the page says them, with the address', () => {
  const audit = [
    entry('reset-breaker', 'h-16c0e61fa5 pdlab-libssl=1.0-2'),
    entry('start', 'retry h-16c0e61fa5'),
  ];
  const html = String(<Approvals d={d} audit={audit} csrf="x" label={label} />);
  assert.match(html, /allow again \(10\.213\.93\.20 pdlab-libssl=1\.0-2\)/);
  assert.match(html, /start \(retry 10\.213\.93\.20\)/);
  assert.doesNotMatch(html, /reset-breaker|breaker|h-16c0e61fa5/);
});
