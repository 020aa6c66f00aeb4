/**
 * /healthz tells the truth: HTTP 200 while the daemon answers (liveness), `degraded` with the
 * reasons when a service reports a problem, and the dashboard shows the same reasons. Made so
 * here by a feed left unsynced for more than twice its interval (the clock is moved by hand).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogService } from '../../../daemon/catalog/catalog-service.js';
import { HealthRegistry } from '../../../daemon/observability/health.js';
import { ManualClock } from '../../fakes/clock.js';
import { trackerCatalog } from '../support/real-site.js';
import { setUpAdmin, webHarness } from './harness.js';

test('/healthz turns degraded, with the reason, when a feed is older than twice its interval', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-23T00:00:00Z'));
  let catalog!: CatalogService;
  const h = await webHarness(t, {
    clock,
    services: async ({ dataDir, log }) => {
      catalog = trackerCatalog(dataDir, log, clock);
      await catalog.start();
      t.after(() => catalog.stop());
      const health = new HealthRegistry(log);
      health.add(catalog);
      return { catalog, health };
    },
  });
  const healthz = async () => {
    const res = await h.app.request('http://depot.test/healthz', { headers: { host: 'depot.test' } });
    assert.equal(res.status, 200, 'alive, whatever the problems');
    return (await res.json()) as { status: string; problems: { source: string; message: string }[] };
  };
  await catalog.syncNow(['debian']);
  const fresh = await healthz();
  assert.equal(fresh.status, 'ok');
  assert.deepEqual(fresh.problems, []);

  await clock.advance(2 * 60 * 60_000);
  assert.equal((await healthz()).status, 'ok', 'exactly twice the interval is not yet stale');
  await clock.advance(60_000);
  const body = await healthz();
  assert.equal(body.status, 'degraded');
  assert.deepEqual(body.problems, [
    {
      source: 'catalog',
      message:
        'feed debian is stale: last synced 2026-11-23T00:00:00.000Z (2 h ago), more than twice its 1 h interval',
    },
  ]);

  const b = await setUpAdmin(h);
  const dashboard = await (await b.request('/')).text();
  assert.match(dashboard, /Needs attention/);
  // The page names the part of the appliance as its page is named, the time in the appliance's
  // zone, and keeps the exact message one click away.
  assert.match(
    dashboard,
    /<strong>Feeds<\/strong>: feed debian is stale: last synced 23 Nov( 2026)? \d\d:\d\d \(2 h ago\)/,
  );
  assert.match(
    dashboard,
    /<summary>details<\/summary><code>feed debian is stale: last synced 2026-11-23T00:00:00\.000Z/,
  );
});
