/** A deployment's host table pages and filters its hosts, so a 5,000-host deployment is 100 rows a page. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, HostState } from '../../../daemon/deploy/deployment.js';
import { LiveProgress } from '../../../web/views/deployment.js';
import { DeploymentHosts, hostView, viewQuery } from '../../../web/views/deployment-hosts.js';

const host = (i: number, outcome?: HostState['outcome']): HostState => ({
  hostId: `h-${String(i).padStart(10, '0')}`,
  group: 'default',
  ring: 2,
  change: {
    hostId: `h-${i}`,
    ecosystem: 'dpkg',
    upgrades: [{ name: 'curl', version: '2', advisories: [] }],
    allowRemove: [],
  },
  phase: outcome ? 'done' : 'installing',
  attempts: 1,
  failures: [],
  steps: [],
  ...(outcome ? { outcome } : {}),
  ...(outcome === 'failed' ? { reason: `postinst of host ${i} failed` } : {}),
});

const deployment = (hosts: HostState[], state: Deployment['state'] = 'running') =>
  ({
    id: 'dep-1',
    title: 'Curl',
    state,
    rings: [0, 1, 2].map(() => ({ state: 'running', batch: 1 })),
    breakers: [],
    hosts,
    approvals: [],
    policy: { windows: {}, now: true, gate: { minSuccessRate: 1, minVerified: 0, soakMs: 0 } },
  }) as unknown as Deployment;

const label = (id: string) => `pc-${Number(id.slice(2))}`;
const rows = (html: string) => html.split('<tr>').length - 2;
const render = (d: Deployment, query: Record<string, string>) =>
  String(DeploymentHosts({ d, label, csrf: 'x', view: hostView((k) => query[k]) }));

test('250 hosts: a page of 100, page links, and the hosts needing attention or not ended on their own', () => {
  const hosts = Array.from({ length: 250 }, (_, i) =>
    host(i, i % 50 === 3 ? 'failed' : i < 200 ? 'verified' : undefined),
  );
  const d = deployment(hosts);
  const first = render(d, {});
  assert.equal(rows(first), 100);
  assert.match(first, /All \(250\)/);
  assert.match(first, /Need attention \(5\)/);
  assert.match(first, /Not ended \(49\)/);
  assert.match(first, /page 1 of 3 · 250 in all/);
  assert.match(first, /href="\/deployments\/dep-1\?page=2"/);

  const third = render(d, { page: '3' });
  assert.equal(rows(third), 50);
  const attention = render(d, { hosts: 'attention' });
  assert.equal(rows(attention), 5);
  assert.match(attention, /postinst of host 53 failed/);
  assert.doesNotMatch(attention, /page 1 of/, 'one page: no pager');
  assert.equal(rows(render(d, { hosts: 'open', page: '1' })), 49);
  // Anything else is all hosts, page 1 (or the last page, for a page past the end).
  assert.equal(rows(render(d, { hosts: '<script>', page: '-1' })), 100);
  for (const hosts of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
    assert.equal(rows(render(d, { hosts })), 100, `?hosts=${hosts} is all hosts, not a 500`);
  assert.equal(rows(render(d, { page: '99' })), 50);
});

test('a small deployment shows its hosts without filters; an empty filter says so', () => {
  const small = render(deployment([host(1, 'verified'), host(2, 'verified')]), {});
  assert.equal(rows(small), 2);
  assert.doesNotMatch(small, /Need attention/);
  assert.match(
    render(deployment([host(1, 'verified')]), { hosts: 'attention' }),
    /No host here needs attention/,
  );
});

test('the poll of a running deployment keeps the page and filter on screen', () => {
  const d = deployment(Array.from({ length: 150 }, (_, i) => host(i, i === 120 ? 'failed' : undefined)));
  const view = hostView((k) => ({ hosts: 'open', page: '2' })[k]);
  assert.equal(viewQuery(view), '?hosts=open&page=2');
  const html = String(LiveProgress({ d, label, csrf: 'x', now: Date.now(), view }));
  assert.match(html, /hx-get="\/deployments\/dep-1\/live\?hosts=open&amp;page=2"/);
  assert.equal(rows(html.slice(html.indexOf('aria-label="Hosts"'))), 49);
});

test('on a phone a host is a card of labelled lines: a failed one shows its outcome, reason and Retry', () => {
  const html = render(deployment([host(1, 'verified'), host(2, 'failed')], 'halted'), {});
  assert.match(html, /<table class="stack" aria-label="Hosts">/);
  for (const label of ['Group / ring', 'Upgrades', 'Phase', 'Attempts', 'Outcome'])
    assert.match(html, new RegExp(`<td data-label="${label}">`), label);
  const failed = html.slice(html.indexOf('pc-2'));
  assert.match(failed, /<td data-label="Outcome">[\s\S]*postinst of host 2 failed/);
  assert.match(failed, /Retry host/);
});

test('an ended deployment does not say when its hosts would start; one still to run does', () => {
  const page = (state: Deployment['state']) =>
    String(
      LiveProgress({
        d: deployment([host(1)], state),
        label,
        csrf: 'x',
        now: Date.now(),
        view: hostView(() => undefined),
      }),
    );
  for (const state of ['cancelled', 'completed'] as const)
    assert.doesNotMatch(page(state), /Runs now|Runs inside/, state);
  assert.match(page('running'), /Runs now: maintenance windows do not hold hosts back/);
});

test('on a phone the deployments list is cards: each one says its state in view', async () => {
  const { DeploymentTable } = await import('../../../web/views/deployments.js');
  const { liveSummary } = await import('../../../daemon/deploy/deployment-summary.js');
  const d = Object.assign(deployment([host(1, 'failed')], 'halted'), {
    advisories: {},
    createdAt: new Date().toISOString(),
  });
  const html = String(DeploymentTable({ rows: [liveSummary(d)], label }));
  assert.match(html, /<table class="stack">/);
  assert.match(html, /<td data-label="State"><strong class="[a-z]+">halted<\/strong>/);
  for (const l of ['Created', 'Advisories', 'Rings', 'Hosts'])
    assert.match(html, new RegExp(`<td data-label="${l}">`), l);
});

test('a cancelled deployment counts its waiting hosts as not run, not pending', async () => {
  const { outcomeCounts } = await import('../../../web/views/deployments.js');
  const counts = { verified: 1, pending: 2 } as unknown as Parameters<typeof outcomeCounts>[0];
  assert.equal(outcomeCounts(counts, 'cancelled'), '1 verified · 2 not run');
  assert.equal(outcomeCounts(counts, 'draft'), '1 verified · 2 pending');
  assert.equal(outcomeCounts(counts), '1 verified · 2 pending');
});

test("a cancelled deployment's rings that never ran say so, in the list and on its page", async () => {
  const { ringLine } = await import('../../../web/views/deployments.js');
  const { liveSummary } = await import('../../../daemon/deploy/deployment-summary.js');
  const d = (state: Deployment['state']) =>
    Object.assign(deployment([host(1)], state), {
      rings: [0, 1, 2].map(() => ({ state: 'pending', batch: 0 })),
      advisories: {},
      createdAt: new Date().toISOString(),
    });
  assert.equal(ringLine(liveSummary(d('cancelled'))), 'ring 2 not run (1)');
  assert.equal(ringLine(liveSummary(d('draft'))), 'ring 2 pending (1)');
  const page = String(
    LiveProgress({ d: d('cancelled'), label, csrf: 'x', now: Date.now(), view: hostView(() => undefined) }),
  );
  assert.match(page, />not run<\/strong>/);
  assert.doesNotMatch(page, />pending<\/strong>/);
});
