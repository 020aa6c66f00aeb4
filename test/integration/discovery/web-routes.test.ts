/**
 * Assets and Scopes pages through the real web app (login gate, CSRF, escaping) with a
 * DiscoveryService on the fake network and the host directory: scopes validated with the admin's
 * input kept, a scan started from the UI with htmx progress that tells the table to reload,
 * search, old asset links redirecting to the host page, edits.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { configSchema } from '../../../daemon/config.js';
import { DiscoveryService } from '../../../daemon/discovery/discovery-service.js';
import type { HostService } from '../../../daemon/hosts/host-service.js';
import { createHostService } from '../../../daemon/hosts/hosts-module.js';
import { FakeNetwork, fastSettings } from '../../fakes/discovery-network.js';
import { waitFor } from '../../support/wait-for.js';
import { setUpAdmin, webHarness } from '../web/harness.js';

const harness = async (t: TestContext, net: FakeNetwork) => {
  let discovery!: DiscoveryService;
  let hosts!: HostService;
  const h = await webHarness(t, {
    services: async ({ dataDir, store, log, jobs, scheduler }) => {
      const config = {
        ...configSchema.parse({ dataDir }).discovery,
        ...fastSettings,
        writeDebounceMs: 5,
        schedule: false,
      };
      discovery = new DiscoveryService({ dataDir, config, store, ports: net.ports(), log, jobs, scheduler });
      hosts = createHostService({ dataDir }, { discovery }, log);
      await discovery.start();
      await hosts.start();
      t.after(async () => {
        await hosts.stop();
        await discovery.stop();
      });
      return { discovery, hosts };
    },
  });
  const b = await setUpAdmin(h);
  /** GET a page, following the redirect an old link gets. */
  const follow = async (path: string): Promise<{ at: string; html: string }> => {
    const res = await b.request(path);
    const at = res.status === 302 ? res.headers.get('location')! : path;
    return { at, html: await (res.status === 302 ? await b.request(at) : res).text() };
  };
  return {
    discovery,
    hosts,
    follow,
    request: b.request,
    post: b.post,
    token: () => b.csrf('/settings/scopes'),
  };
};

const htmx = { 'hx-request': 'true' };

test('without a scope the Assets page says so and nothing is probed', async (t) => {
  const net = new FakeNetwork([{ ip: '10.0.0.5', mac: '02:00:00:00:00:05' }]);
  const h = await harness(t, net);
  const html = await (await h.request('/assets')).text();
  assert.match(html, /No scope of management yet/);
  assert.match(html, /href="\/settings\/scopes"/);
  assert.equal(net.probes.length, 0);
  const scopes = await (await h.request('/settings/scopes')).text();
  assert.match(scopes, /directly connected to.*10\.0\.0\.0\/24/s, 'connected subnet offered');
  // "On demand only" next to a ticked box: the box says what it governs, and that it then governs nothing.
  assert.match(
    scopes,
    /Follow the schedule above \(untick to pause it; “On demand only” has nothing to follow/,
  );
  assert.doesNotMatch(scopes, /discovery\.maxScopeAddresses/, 'the setting named in words');
});

test("the default route's subnet (the WAN link) is not offered as a scope beside the LAN; alone it is", async (t) => {
  const net = new FakeNetwork();
  const lan = { interface: 'eth0', address: '10.0.0.1', cidr: '10.0.0.0/24', mac: null };
  const wan = {
    interface: 'wan0',
    address: '10.212.0.1',
    cidr: '10.212.0.0/24',
    mac: null,
    defaultRoute: true,
  };
  net.subnets = [wan, lan];
  const h = await harness(t, net);
  const scopes = await (await h.request('/settings/scopes')).text();
  assert.match(scopes, /directly connected to <code>10\.0\.0\.0\/24<\/code> \(eth0\)\. Confirm/);
  assert.match(
    scopes,
    /Not offered: <code>10\.212\.0\.0\/24<\/code> \(wan0\), which carries the default route/,
  );
  assert.match(scopes, /name="include"[^>]*>10\.0\.0\.0\/24</, 'the LAN is pre-filled');
  net.subnets = [{ ...lan, defaultRoute: true }];
  const alone = await (await h.request('/settings/scopes')).text();
  assert.match(
    alone,
    /directly connected to <code>10\.0\.0\.0\/24<\/code>/,
    'a one-legged appliance: its LAN',
  );
  assert.doesNotMatch(alone, /Not offered/);
});

test('scopes: an oversized or malformed scope is refused with the input kept; a good one is saved', async (t) => {
  const h = await harness(t, new FakeNetwork());
  const token = await h.token();
  const big = await h.post('/settings/scopes', {
    _csrf: token,
    name: 'Oops',
    include: '10.0.0.0/8',
    exclude: '',
  });
  assert.equal(big.status, 400);
  const body = await big.text();
  assert.match(body, /16,777,214 addresses/);
  assert.match(body, /value="Oops"/, 'the name typed is still in the form');
  assert.equal(
    (await h.post('/settings/scopes', { _csrf: token, name: 'x', include: '10.0.0.1/24' })).status,
    400,
  );
  const ok = await h.post('/settings/scopes', {
    _csrf: token,
    name: 'Office',
    include: '10.0.0.0/24',
    exclude: '10.0.0.9',
    everyMinutes: '60',
    enabled: 'on',
  });
  assert.equal(ok.status, 303);
  assert.deepEqual(
    h.discovery.scopes().map((s) => [s.name, s.include, s.exclude, s.everyMinutes]),
    [['Office', ['10.0.0.0/24'], ['10.0.0.9'], 60]],
  );
  const noToken = await h.post('/settings/scopes', { name: 'x', include: '10.0.0.0/24' });
  assert.equal(noToken.status, 403);
});

test('a scan started from the UI shows progress, then tells the table to reload; search and edits work', async (t) => {
  const net = new FakeNetwork([
    { ip: '10.0.0.5', mac: '00:1b:a9:00:00:05', open: [9100] },
    {
      ip: '10.0.0.6',
      mac: '02:00:00:00:00:06',
      mdnsHostname: 'tv',
      services: [
        { name: '<script>alert(1)</script>', type: 'googlecast', protocol: 'tcp', port: 8009, txt: {} },
      ],
    },
  ]);
  const h = await harness(t, net);
  const token = await h.token();
  await h.post('/settings/scopes', { _csrf: token, name: 'Office', include: '10.0.0.0/24' });
  const scopeId = h.discovery.scopes()[0]!.id;
  const started = await h.post('/discovery/scans', { _csrf: token, scopeId }, htmx);
  assert.equal(started.status, 200);
  const panel = await started.text();
  const watch = panel.match(/hx-get="\/discovery\/scan-panel\?watch=([^"]+)"/)?.[1];
  assert.ok(watch, 'the panel polls while the scan runs');
  assert.match(panel, /hx-trigger="every 1s"/);
  await h.discovery.idle();
  await h.hosts.settled();
  const done = await h.request(`/discovery/scan-panel?watch=${watch}`, { headers: htmx });
  assert.equal(done.headers.get('hx-trigger'), 'assets-changed');
  const donePanel = await done.text();
  assert.doesNotMatch(donePanel, /every 1s/, 'polling stops');
  assert.match(donePanel, /2 found, 2 new/);
  // The scope's card says when in words (the ISO time on hover) and links the scan's log.
  const scopes = await (await h.request('/settings/scopes')).text();
  assert.match(
    scopes,
    /Last scan: <time datetime="[^"]+" title="[^"]+">[^<]+<\/time> \(<a href="\/activity\/job-[^"]+"[^>]*>log<\/a>\)/,
  );

  const table = await (await h.request('/assets/table?q=brother', { headers: htmx })).text();
  assert.match(table, /10\.0\.0\.5/);
  assert.doesNotMatch(table, /10\.0\.0\.6/);
  assert.doesNotMatch(table, /<html/, 'only the fragment');
  const page = await (await h.request('/assets?class=iot')).text();
  assert.match(page, /1 of 2 assets match/);
  const all = await (await h.request('/assets')).text();
  assert.match(all, /<p class="hint">2 assets<\/p>/);
  // Marking every new device as known is an action: it looks like a button, not like a sentence.
  assert.match(all, /<button type="submit" class="secondary">Mark every new device as known<\/button>/);
  assert.match(page, /href="\/assets\?class=iot&amp;sort=lastSeen"/, 'sort links keep the filters');
  const tv = await h.follow('/assets/m-020000000006');
  assert.match(tv.at, /^\/hosts\/h-[0-9a-f]{10}$/, 'an old asset link lands on the host page');
  assert.match(tv.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(tv.html, /<script>alert/);
  assert.match(tv.html, /Not managed over SSH: a TV, speaker, camera or other smart device/);
  assert.doesNotMatch(tv.html, /Manage this machine/, 'a TV is not told to give SSH access');

  const printer = await h.follow('/assets/m-001ba9000005');
  assert.match(printer.html, /Brother/);
  assert.match(printer.html, /port 9100 open/);
  assert.match(printer.html, /<code>00:1b:a9:00:00:05<\/code>/);
  assert.match(printer.html, /Not managed over SSH: a printer:/);
  assert.doesNotMatch(printer.html, /Manage this machine/, 'a printer is not told to give SSH access');
  assert.ok(table.includes(`<a href="${printer.at}">10.0.0.5</a>`), 'the table links to the host page');
  assert.equal((await h.follow('/assets/10.0.0.5')).at, printer.at, 'by address too');
  const edit = await h.post(`${printer.at}/asset`, {
    _csrf: token,
    tags: 'printers, floor 2',
    notes: 'by the door',
  });
  assert.equal(edit.status, 303);
  assert.deepEqual(h.discovery.asset('m-001ba9000005').tags, ['printers', 'floor 2']);
  assert.equal((await h.request('/assets/m-nope')).status, 404);
  assert.equal((await h.request('/hosts/h-0000000000')).status, 404);
  assert.equal((await h.request('/assets?sort=evil')).status, 400);

  net.holdMdns = true;
  const busy = await h.post('/discovery/scans', { _csrf: token, scopeId }, htmx);
  assert.equal(busy.status, 200, 'a finished scan does not block the next one');
  const again = await h.post('/discovery/scans', { _csrf: token, scopeId }, htmx);
  assert.equal(again.status, 409);
  assert.match(await again.text(), /still running/);
  await waitFor(() => h.discovery.history()[0]?.status === 'running', 'the scan to run');
  const cancelled = await h.post('/discovery/scans/cancel', { _csrf: token }, htmx);
  assert.equal(cancelled.status, 200);
  assert.match(await cancelled.text(), /cancelled/);
  assert.equal(h.discovery.history()[0]?.status, 'cancelled');
});

test('while a scan runs the table lists what it found so far, and the panel reloads it as more turn up', async (t) => {
  const net = new FakeNetwork([
    { ip: '10.0.0.5', mac: '00:1b:a9:00:00:05', open: [9100] },
    { ip: '10.0.0.7', mac: '02:00:00:00:00:07', open: [22] },
  ]);
  // The mDNS window stays open until the scan is cancelled: a scan reliably still running.
  net.holdMdns = true;
  const h = await harness(t, net);
  const token = await h.token();
  await h.post('/settings/scopes', { _csrf: token, name: 'Office', include: '10.0.0.0/24' });
  await h.post('/discovery/scans', { _csrf: token, scopeId: h.discovery.scopes()[0]!.id }, htmx);
  await waitFor(() => h.discovery.foundSoFar().length === 2, 'the scan to find both devices');
  const scan = h.discovery.current()!;
  assert.equal(scan.status, 'running');

  const table = await (await h.request('/assets/table', { headers: htmx })).text();
  assert.doesNotMatch(table, /No devices discovered yet/);
  assert.match(table, /Found by the running scan so far: 2 new addresses/);
  assert.match(table, /<td>10\.0\.0\.5<\/td>/);
  assert.match(table, /<td>10\.0\.0\.7<\/td>/);

  const panel = await (await h.request('/assets')).text();
  assert.match(panel, /hx-vals="\{&quot;seen&quot;:\d+\}"/, 'the panel says what it has shown');
  const stale = await h.request(`/discovery/scan-panel?watch=${scan.id}&seen=0`, { headers: htmx });
  assert.equal(stale.headers.get('hx-trigger'), 'assets-changed', 'more devices than shown: reload');
  const same = await h.request(`/discovery/scan-panel?watch=${scan.id}&seen=${scan.progress.alive}`, {
    headers: htmx,
  });
  assert.equal(same.headers.get('hx-trigger'), null, 'nothing new: no reload');
  await h.discovery.cancelScan();
  await h.discovery.idle();
});
