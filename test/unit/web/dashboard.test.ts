/** The dashboard's pieces: the first steps card. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('Getting started stays on the dashboard until every step is done, then goes', async () => {
  const { GettingStarted } = await import('../../../web/routes/dashboard.js');
  type Summary = Parameters<typeof GettingStarted>[0]['s'];
  const done = {
    scopes: 1,
    scanned: true,
    feeds: { enabled: 1, synced: 1 },
    compliance: { assessed: 3 },
    problems: [],
  } as unknown as Summary;
  assert.equal(GettingStarted({ s: done }), null);
  const html = String(GettingStarted({ s: { ...done, scanned: false } }));
  assert.match(html, /Getting started/);
  assert.match(html, /<li>Run a discovery scan/, 'the step left is not ticked');
});
