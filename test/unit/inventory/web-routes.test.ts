/**
 * The Inventory page through the real web app (login gate, CSRF) with an InventoryService on the
 * fake runner and the host directory: public key shown, credentials saved without echoing
 * passwords and filed under the machine (never a second row for one machine), bad input kept in
 * the form, collections with htmx progress, changed host keys accepted deliberately.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { HostService } from '../../../daemon/hosts/host-service.js';
import { hostFindings, inventoryTargets } from '../../../daemon/hosts/hosts-module.js';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { asset, MemoryAssets } from '../../fakes/host-assets.js';
import { debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { FakeRunner, fakeHostKey } from '../../fakes/inventory-runner.js';
import { setUpAdmin, webHarness } from '../../integration/web/harness.js';
import { waitFor } from '../../support/wait-for.js';

const harness = async (t: TestContext) => {
  const runner = new FakeRunner();
  const assets = new MemoryAssets();
  let inventory!: InventoryService;
  let hosts!: HostService;
  const h = await webHarness(t, {
    services: async ({ dataDir, log, jobs, scheduler }) => {
      inventory = new InventoryService({
        dir: join(dataDir, 'inventory'),
        runner,
        parsers: inventoryParsers,
        log,
        concurrency: 2,
        connectTimeoutMs: 1000,
        commandTimeoutMs: 1000,
        maxOutputBytes: 1 << 20,
        maxPackages: 20_000,
        jobs,
        scheduler,
      });
      hosts = new HostService({
        dir: join(dataDir, 'hosts'),
        assets,
        targets: inventoryTargets(inventory),
        findings: hostFindings(inventory, undefined),
        log,
      });
      await inventory.start();
      await hosts.start();
      t.after(async () => {
        await hosts.stop();
        await inventory.stop();
      });
      return { inventory, hosts };
    },
  });
  const b = await setUpAdmin(h);
  return {
    inventory,
    hosts,
    assets,
    runner,
    request: b.request,
    post: b.post,
    csrf: () => b.csrf('/inventory'),
  };
};

test('the page shows the appliance key and an empty state', async (t) => {
  const h = await harness(t);
  const res = await h.request('/inventory');
  assert.equal(res.status, 200);
  const html = await res.text();
  const key = await h.inventory.keys.get();
  assert.ok(html.includes(key.publicKey));
  assert.ok(html.includes(key.fingerprint));
  assert.match(html, /No host credentials yet/);
});

test('credentials are saved; the password is never sent back', async (t) => {
  const h = await harness(t);
  const _csrf = await h.csrf();
  const res = await h.post('/inventory/hosts', {
    _csrf,
    address: '10.0.0.5',
    hostId: '',
    username: 'deploy',
    port: '2222',
    password: 'hunter2-secret',
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/inventory?done=saved');
  const html = await (await h.request('/inventory?done=saved')).text();
  assert.match(html, /Credentials saved/);
  assert.match(html, /deploy@10\.0\.0\.5:2222/);
  assert.match(html, /<td data-label="Password">stored<\/td>/);
  // Never connected: no key is pinned yet, and the row says so.
  assert.match(html, /<span class="hint">none yet: pinned at the first connection<\/span>/);
  assert.ok(!html.includes('hunter2-secret'));
  const machine = h.hosts.byAddress('10.0.0.5')!;
  assert.equal((await h.inventory.credentials.get(machine.id))?.password, 'hunter2-secret');
  // Edit fills the form with the stored settings, never the password.
  const edit = await (await h.request(`/inventory?edit=${machine.id}`)).text();
  assert.match(edit, new RegExp(`name="host"[^>]*value="${machine.id}"`));
  assert.match(edit, /name="address"[^>]*value="10\.0\.0\.5"/);
  assert.match(edit, /name="port"[^>]*value="2222"/);
  assert.ok(!edit.includes('hunter2-secret'));
  // No scan saw it, yet it is one machine on Assets, linking to its one page.
  const assetsPage = await (await h.request('/assets')).text();
  assert.match(assetsPage, /Machines no scan has seen \(1\)/);
  assert.match(assetsPage, new RegExp(`href="/hosts/${machine.id}"`));
  const page = await (await h.request(`/hosts/${machine.id}`)).text();
  assert.match(page, /10\.0\.0\.5: given for SSH access, not seen by a scan yet/);
  // Unknown `done` values show nothing (no reflected text).
  assert.doesNotMatch(
    await (await h.request('/inventory?done=%3Cscript%3E')).text(),
    /&lt;script|<script>alert/,
  );
});

test('bad input keeps the form (minus the password) with a clear error; no CSRF, no write', async (t) => {
  const h = await harness(t);
  const _csrf = await h.csrf();
  const res = await h.post('/inventory/hosts', {
    _csrf,
    address: 'not a host!',
    username: 'deploy',
    port: '22',
    password: 'typed-secret',
  });
  assert.equal(res.status, 400);
  const html = await res.text();
  assert.match(html, /address: expected an IPv4\/IPv6 address or a host name/);
  assert.match(html, /value="deploy"/);
  assert.ok(!html.includes('typed-secret'));
  const forged = await h.post('/inventory/hosts', { address: '10.0.0.9', username: 'x' });
  assert.equal(forged.status, 403);
  assert.deepEqual(await h.inventory.credentials.list(), []);
});

test('collect now: htmx gets a polling progress card that stops when the run is done', async (t) => {
  const h = await harness(t);
  const key = await h.inventory.keys.get();
  h.runner.add('10.0.0.5', 22, fakeHost(debian, key.privateKey));
  const machine = await h.hosts.manage({ address: '10.0.0.5', username: 'root' });
  const _csrf = await h.csrf();
  const res = await h.post(`/inventory/hosts/${machine.id}/collect`, { _csrf }, { 'HX-Request': 'true' });
  assert.equal(res.status, 200);
  const card = await res.text();
  const runId = card.match(/hx-get="\/inventory\/runs\/(inv-[0-9a-f]{8})"/)?.[1];
  assert.ok(runId, card);
  assert.match(card, /hx-trigger="every 1s"/);
  assert.ok(!card.includes('<html'), 'a fragment, not a page');
  let last = '';
  await waitFor(async () => {
    last = await (await h.request(`/inventory/runs/${runId}`, { headers: { 'HX-Request': 'true' } })).text();
    return last.includes('finished');
  }, 'the run to finish');
  assert.doesNotMatch(last, /hx-trigger/);
  assert.match(last, /id="inventory-hosts" hx-swap-oob="true"/);
  assert.match(last, /4 packages · /);
  assert.match(
    last,
    new RegExp(
      `href="/hosts/${machine.id}">10\\.0\\.0\\.5</a>: <a href="/activity/job-[^"]+">ok</a> \\(4 packages\\)`,
    ),
    'the job links to Activity',
  );
  const page = await (await h.request('/inventory')).text();
  // The time reads as people read it ("today 05:44"), not as a raw ISO string with milliseconds.
  assert.match(page, /4 packages · <time datetime="\d{4}-[^"]+"[^>]*>(today|yesterday) \d\d:\d\d<\/time>/);
  assert.ok(page.includes(`<a href="/hosts/${machine.id}">10.0.0.5</a>`), 'the row links to the host page');
  // ... which shows the packages just collected.
  const hostPage = await (await h.request(`/hosts/${machine.id}`)).text();
  assert.match(hostPage, /Installed packages \(4\)/);
  assert.match(hostPage, /<td>libssl3<\/td>/);
  assert.match(page, /No scheduled collections/);
  // Without htmx the same action redirects to a page showing the run.
  const plain = await h.post('/inventory/collect', { _csrf });
  assert.equal(plain.status, 303);
  assert.match(plain.headers.get('location')!, /^\/inventory\/runs\/inv-[0-9a-f]{8}$/);
  const second = plain.headers.get('location')!.split('/').pop()!;
  await waitFor(() => h.inventory.getRun(second)?.finishedAt !== undefined, 'the second run to finish');
  assert.equal((await h.request('/inventory/runs/inv-00000000')).status, 404);
  assert.equal((await h.request('/inventory/runs/..%2fx')).status, 404);
});

test("a host page's Collect now (a boosted form) lands on the run's page, not a bare card at the POST URL", async (t) => {
  const h = await harness(t);
  const key = await h.inventory.keys.get();
  h.runner.add('10.0.0.5', 22, fakeHost(debian, key.privateKey));
  const machine = await h.hosts.manage({ address: '10.0.0.5', username: 'root' });
  const _csrf = await h.csrf();
  // What htmx sends for the host page's plain form under the body's hx-boost.
  const boosted = { 'HX-Request': 'true', 'HX-Boosted': 'true', 'HX-Request-Type': 'full' };
  const res = await h.post(`/inventory/hosts/${machine.id}/collect`, { _csrf }, boosted);
  // A bare card would replace the whole body (no navigation) and leave the POST URL in the address
  // bar, which answers 404 on reload.
  assert.equal(res.status, 303);
  const location = res.headers.get('location') ?? '';
  assert.match(location, /^\/inventory\/runs\/inv-[0-9a-f]{8}$/);
  const page = await (await h.request(location, { headers: boosted })).text();
  assert.match(page, /<html/);
  assert.match(page, /href="\/inventory"/, 'the page has its navigation');
  await waitFor(() => h.inventory.getRun(location.split('/').pop()!)?.finishedAt !== undefined, 'the run');
});

test('a changed host key shows both fingerprints and is accepted only deliberately', async (t) => {
  const h = await harness(t);
  const key = await h.inventory.keys.get();
  const host = h.runner.add('10.0.0.5', 22, fakeHost(debian, key.privateKey, 'first'));
  await h.inventory.credentials.put({ address: '10.0.0.5', username: 'root' });
  await h.inventory.collect((await h.inventory.credentials.get('10.0.0.5'))!);
  host.hostKey = fakeHostKey('second');
  await assert.rejects(h.inventory.collect((await h.inventory.credentials.get('10.0.0.5'))!));
  const entry = await h.inventory.knownHosts.get('10.0.0.5');
  const html = await (await h.request('/inventory')).text();
  assert.match(html, /Host key changed/);
  assert.doesNotMatch(html, /inventory\.intervalHours/, 'settings are named in words, not config keys');
  // The host page's words (one component): what stops and what to compare before accepting.
  assert.match(
    html,
    /Every connection to this machine stops until you compare the fingerprint on\s+its console/,
  );
  assert.ok(html.includes(entry!.pinned.fingerprint) && html.includes(entry!.rejected!.fingerprint));
  // The Last collection cell points at the Host key cell instead of repeating its paragraph.
  assert.match(html, /: host key changed: nothing was sent \(see Host key\)/);
  assert.equal(html.split('HOST KEY CHANGED').length - 1, 0, 'the long message is not in the table');
  const _csrf = await h.csrf();
  // Trust-changing: a plain post asks first, carrying the fingerprint, and changes nothing.
  const asked = await h.post('/inventory/hosts/10.0.0.5/accept-key', { _csrf, fingerprint: 'SHA256:nope' });
  assert.equal(asked.status, 200);
  const page = await asked.text();
  assert.match(page, /Trust the new host key\?/);
  assert.match(page, /name="fingerprint" value="SHA256:nope"/);
  const wrong = await h.post('/inventory/hosts/10.0.0.5/accept-key', {
    _csrf,
    fingerprint: 'SHA256:nope',
    confirm: 'yes',
  });
  assert.equal(wrong.status, 409);
  assert.match(await wrong.text(), /nothing accepted/);
  const ok = await h.post('/inventory/hosts/10.0.0.5/accept-key', {
    _csrf,
    fingerprint: entry!.rejected!.fingerprint,
    confirm: 'yes',
  });
  assert.equal(ok.status, 303);
  assert.equal(
    (await h.inventory.knownHosts.get('10.0.0.5'))?.pinned.fingerprint,
    entry!.rejected!.fingerprint,
  );
  const accepted = await (await h.request('/inventory')).text();
  assert.match(accepted, /: host key changed; the new key is accepted since: collect again/);
  assert.doesNotMatch(accepted, /HOST KEY CHANGED/, 'no advice left to accept what is accepted');
});

test('remove forgets the host; unknown hosts are 404', async (t) => {
  const h = await harness(t);
  await h.inventory.credentials.put({ address: '10.0.0.5', username: 'root' });
  const _csrf = await h.csrf();
  assert.match(
    await (await h.post('/inventory/hosts/10.0.0.5/remove', { _csrf })).text(),
    /Remove this host\?/,
  );
  assert.equal((await h.inventory.credentials.list()).length, 1, 'asking removes nothing');
  assert.equal((await h.post('/inventory/hosts/10.0.0.5/remove', { _csrf, confirm: 'yes' })).status, 303);
  assert.deepEqual(await h.inventory.credentials.list(), []);
  assert.equal((await h.post('/inventory/hosts/10.0.0.5/remove', { _csrf, confirm: 'yes' })).status, 404);
  assert.equal((await h.post('/inventory/hosts/..%2F..%2Fetc/collect', { _csrf })).status, 404);
});

test('the machine field picks a known machine: saving by address or asset id never adds a second row', async (t) => {
  const h = await harness(t);
  h.assets.scan([asset({ mac: '02:50:44:00:00:05', ip: '10.0.0.5' })]);
  await h.hosts.settled();
  const machine = h.hosts.byMac('02:50:44:00:00:05')!;
  const _csrf = await h.csrf();
  const save = (form: Record<string, string>) =>
    h.post('/inventory/hosts', { _csrf, username: 'root', ...form });
  assert.equal((await save({ address: '10.0.0.5' })).status, 303);
  assert.equal((await save({ address: '10.0.0.5', host: 'm-025044000005' })).status, 303);
  assert.equal((await save({ address: '10.0.0.5', host: machine.id, username: 'admin' })).status, 303);
  const creds = await h.inventory.credentials.list();
  assert.deepEqual(
    creds.map((c) => [c.hostId, c.username]),
    [[machine.id, 'admin']],
  );
  const page = await (await h.request('/inventory')).text();
  assert.equal(page.match(/<a href="\/hosts\//g)?.length, 1, 'one row');
  const unknown = await save({ address: '10.0.0.6', host: 'm-nobody' });
  assert.equal(unknown.status, 400);
  assert.match(await unknown.text(), /host: no known machine &quot;m-nobody&quot;/);
  assert.equal(h.hosts.list().length, 1);
});

test('Assets lists machines no scan has seen a page at a time', async (t) => {
  const h = await harness(t);
  for (let i = 1; i <= 130; i++) await h.hosts.manage({ address: `10.0.1.${i}`, username: 'root' });
  const first = await (await h.request('/assets?q=x')).text();
  assert.match(first, /Machines no scan has seen \(130\)/);
  assert.equal(first.match(/href="\/hosts\/h-/g)?.length, 100, 'one page of 100 rows');
  assert.match(first, /page 1 of 2 · 130 in all/);
  // The pager keeps the asset filters and jumps back to the section.
  assert.match(first, /href="\/assets\?q=x&amp;machines=2#unscanned"/);
  const second = await (await h.request('/assets?q=x&machines=2')).text();
  assert.equal(second.match(/href="\/hosts\/h-/g)?.length, 30);
  assert.match(second, /page 2 of 2 · 130 in all/);
  // A page number out of range shows the last page; nonsense shows the first.
  assert.match(await (await h.request('/assets?machines=99')).text(), /page 2 of 2/);
  assert.match(await (await h.request('/assets?machines=%3Cb%3E')).text(), /page 1 of 2/);
});
