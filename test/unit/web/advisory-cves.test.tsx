/**
 * The Patches table's CVEs column: a tracker advisory is named by its CVE, so a column that left
 * the name out read as "no CVE" on every tracker row. It is shown only when an advisory lists
 * CVEs of its own, and then each row lists all of its CVEs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdvisoryImpact } from '../../../daemon/assess/assess-service.js';
import { AdvisoryTable } from '../../../web/views/patches.js';

const advisory = (advisoryId: string, cves: string[]): AdvisoryImpact => ({
  advisoryId,
  feedId: 'f',
  cves,
  severity: 'high',
  summary: 's',
  packages: ['curl'],
  hosts: new Set(['h1']) as unknown as AdvisoryImpact['hosts'],
  hostsByPackage: new Map(),
});

const cells = (html: string, row: number): string[] =>
  [...(html.split('<tr>')[row + 2] ?? '').matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1] ?? '');

test('tracker advisories (named by their CVE) get no CVEs column that would stay empty', () => {
  const html = String(<AdvisoryTable rows={[advisory('CVE-2099-1001', ['CVE-2099-1001'])]} select />);
  assert.doesNotMatch(html, /<th>CVEs<\/th>/);
  assert.match(html, />CVE-2099-1001<\/a>/, 'the CVE is the advisory');
});

test('an advisory with CVEs of its own shows the column, and a CVE-named row lists its CVE there', () => {
  const rows = [
    advisory('DSA-5800-1', ['CVE-2024-1', 'CVE-2024-2']),
    advisory('CVE-2099-1001', ['CVE-2099-1001']),
  ];
  const html = String(<AdvisoryTable rows={rows} />);
  assert.match(html, /<th>CVEs<\/th>/);
  assert.equal(cells(html, 0)[2], 'CVE-2024-1 CVE-2024-2');
  assert.equal(cells(html, 1)[2], 'CVE-2099-1001');
});
