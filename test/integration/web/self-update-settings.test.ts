/**
 * Settings → Self-update: off, on with its window, the updater's last run from its real status
 * file (written by the same store the updater uses), and a checkout that cannot update itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { selfUpdateSettingsSchema } from '../../../daemon/self-update/settings.js';
import { type SelfUpdateView, selfUpdateView, statusFile } from '../../../daemon/self-update/status.js';
import { setUpAdmin, webHarness } from './harness.js';

const view = (settings: object, dir: string, packaged = true): SelfUpdateView => ({
  ...selfUpdateView(selfUpdateSettingsSchema.parse(settings), dir),
  packaged,
});

test('Settings shows self-update off, then on with its window and the last run, rolled back in words', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pd-su-web-'));
  // The harness builds the app once: the view is changed in place, as a restart with a new config would.
  const current = view({}, dir);
  const h = await webHarness(t, { services: async () => ({ selfUpdate: current }) });
  const b = await setUpAdmin(h);
  assert.match(await (await b.request('/settings')).text(), /Off\. Set <code>selfUpdate\.enabled<\/code>/);

  Object.assign(
    current,
    view({ enabled: true, window: 'Sat 22:00-Sun 02:00', timeZone: 'Europe/Berlin' }, dir),
  );
  await statusFile(dir).write({
    phase: 'idle',
    checkedAt: '2026-12-05T21:10:00.000Z',
    installed: '0.2.0',
    available: '0.3.0',
    from: '0.2.0',
    to: '0.3.0',
    outcome: 'rolled-back',
    endedAt: '2026-12-05T21:14:00.000Z',
    message: '0.3.0 was not healthy within 120 s: it did not answer /healthz; rolled back to 0.2.0',
  });
  const html = await (await b.request('/settings')).text();
  assert.match(html, /On: in the window <strong>Sat 22:00-Sun 02:00<\/strong> \(Europe\/Berlin\)/);
  assert.match(html, /installed 0\.2\.0 · offered 0\.3\.0/);
  assert.match(html, /rolled back \(0\.2\.0 → 0\.3\.0\)/);
  assert.match(html, /it did not answer \/healthz; rolled back to 0\.2\.0/);
});

test('a daemon run from a checkout says it cannot update itself', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pd-su-web-'));
  const h = await webHarness(t, {
    services: async () => ({ selfUpdate: view({ enabled: true }, dir, false) }),
  });
  const b = await setUpAdmin(h);
  assert.match(
    await (await b.request('/settings')).text(),
    /does not run from the installed <code>patch-depot<\/code> package/,
  );
});
