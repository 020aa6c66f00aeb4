/**
 * The Patches and Feeds pages through the real web app (login gate, CSRF) with a real catalog
 * service on an in-memory fetcher and a fixed set of host inventories.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import { writeBundle } from '../../../daemon/catalog/bundle.js';
import { signEnvelope } from '../../../daemon/catalog/signatures.js';
import { assessedSite, siteKeys } from '../../integration/web/assessed-site.js';
import { waitFor } from '../../support/wait-for.js';
import { fixture } from '../catalog/version-gen.js';

const harness = (t: TestContext, extraHosts = 0, tracker?: string) =>
  assessedSite(t, { extraHosts, ...(tracker ? { tracker } : {}) });

test('before any sync the page explains what to do; a manual sync fills it', async (t) => {
  const h = await harness(t);
  assert.match(await (await h.request('/patches')).text(), /No vendor feeds synchronised yet/);
  const _csrf = await h.csrf('/patches/feeds');
  assert.equal(
    (await h.post('/patches/feeds/sync', { feed: 'debian' })).status,
    403,
    'no CSRF token, no sync',
  );
  const res = await h.post('/patches/feeds/sync', { _csrf, feed: 'debian' }, { 'hx-request': 'true' });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /id="sync-progress"/);
  await h.catalog.idle();
  const progress = await h.request('/patches/feeds/progress', { headers: { 'hx-request': 'true' } });
  assert.equal(progress.headers.get('hx-trigger'), 'feeds-changed', 'the tables reload when the sync ends');
  assert.match(await progress.text(), /Sync finished: debian updated\./);
  const state = await (await h.request('/patches/feeds/state', { headers: { 'hx-request': 'true' } })).text();
  assert.match(state, /^<div id="feed-state"/);
  assert.match(state, /<td data-label="Trigger">manual<\/td><td data-label="Outcome">updated<\/td>/);
  const feeds = await (await h.request('/patches/feeds')).text();
  assert.match(feeds, /8 CVEs, 14 package fixes in 3 releases/);
  assert.match(feeds, /<td data-label="Trigger">manual<\/td><td data-label="Outcome">updated<\/td>/);

  const html = await (await h.request('/patches')).text();
  assert.match(html, /Compliant hosts/);
  assert.match(html, /33 %/); // pc-2 only
  assert.match(html, /CVE-2024-8176/);
  assert.match(html, /CVE-2025-0725/);
  assert.ok(!html.includes('<script>x</script>'), 'host names are escaped');

  const high = await (await h.request('/patches?severity=high')).text();
  assert.match(high, /CVE-2024-8176/);
  assert.doesNotMatch(high, /CVE-2025-0725/);
  const search = await (await h.request('/patches?q=glibc')).text();
  assert.match(search, /CVE-2025-4802/);
  assert.doesNotMatch(search, /CVE-2024-8176/);
  assert.match(
    await (await h.request('/patches?view=packages')).text(),
    /<td><a href="\/patches\?view=advisories&amp;q=expat">expat<\/a><\/td>/,
  );
  const byHost = await (await h.request('/patches?view=hosts')).text();
  assert.match(byHost, /needs patches/);
  // On a phone the rows stack as labelled lines: what a host misses is not cut off at the edge.
  assert.match(byHost, /<table class="stack">/);
  assert.match(byHost, /<td data-label="Missing fixes">\d+<\/td>/);
  assert.ok(
    byHost.includes(`<a href="/hosts/${h.ids.pc1}#fixes">pc-1.lan</a>`),
    'hosts link to their host page',
  );
  assert.match(await (await h.request('/patches?view=hosts&q=pc-2.lan')).text(), /pc-2\.lan/);
  // "Severity at least critical" by host: no host misses a critical fix here, so none is listed.
  const critical = await (await h.request('/patches?view=hosts&severity=critical')).text();
  assert.doesNotMatch(critical, /needs patches/);
  assert.match(critical, /No missing fixes match these filters; 3 advisories are missing on this site/);
  assert.match(critical, /class="notice info"/, 'not the green "all good"');
  assert.match(
    critical,
    /<a href="\/patches\?view=hosts">Clear the filters<\/a>/,
    'still by host once cleared',
  );
  assert.match(
    await (await h.request('/patches?severity=critical')).text(),
    /<a href="\/patches">Clear the filters<\/a>/,
  );
  assert.match(await (await h.request('/patches?view=hosts&severity=high')).text(), /needs patches/);

  const adv = await (await h.request('/patches/advisories/debian/CVE-2024-8176')).text();
  assert.match(adv, /Affected hosts \(2\)/);
  assert.ok(adv.includes(`<a href="/hosts/${h.ids.pc1}#fixes">pc-1.lan</a>`));
  assert.ok(adv.includes('&lt;script&gt;x&lt;/script&gt;'));
  assert.match(adv, /<code>2\.5\.0-1\+deb12u1<\/code>/);
  assert.match(adv, /<code>2\.5\.0-1\+deb12u2<\/code>/);
  assert.equal((await h.request('/patches/advisories/debian/CVE-1999-0001')).status, 404);
  assert.match(await (await h.request('/patches/compliance')).text(), /Missing fixes/);
  const csv = await h.request('/patches/missing.csv');
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  const bytes = Buffer.from(await csv.clone().arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte order mark, for Excel');
  assert.equal(bytes.subarray(3, 8).toString(), 'host,', 'then the header');
  const rows = (await csv.text()).trim().split('\n');
  assert.equal(rows[0], 'host,release,severity,package,binaries,installed,fixed,advisory,cves,feed,host_id');
  assert.ok(
    rows.includes(
      `pc-1.lan,debian:bookworm,high,expat,libexpat1 libexpat1-dev,2.5.0-1+deb12u1,2.5.0-1+deb12u2,CVE-2024-8176,CVE-2024-8176,debian,${h.ids.pc1}`,
    ),
  );
  // CSV has no HTML context: the odd host name is quoted data, not markup to escape.
  assert.ok(
    rows.includes(
      `<script>x</script>,debian:bookworm,high,expat,libexpat1,2.5.0-1,2.5.0-1+deb12u2,CVE-2024-8176,CVE-2024-8176,debian,${h.ids.odd}`,
    ),
  );
  assert.equal(rows.length, 1 + 3 + 1);
});

test('a signed offline bundle is imported through the form; a bad one is refused with a reason', async (t) => {
  const h = await harness(t);
  const _csrf = await h.csrf('/patches/feeds');
  const upload = (zip: Uint8Array) => {
    const form = new FormData();
    form.set('_csrf', _csrf);
    form.set('bundle', new File([zip], 'bundle.zip', { type: 'application/zip' }));
    return h.request('/patches/feeds/bundle', { method: 'POST', body: form });
  };
  const manifest = {
    format: 'patch-depot-manifest/1',
    issuer: 'Example Networks',
    issuedAt: '2026-11-01T00:00:00Z',
    sequence: 1,
    files: [
      {
        vendor: 'Example Networks',
        product: 'EX-24',
        version: '4.2.1',
        name: 'ex24-4.2.1.bin',
        sha256: 'c'.repeat(64),
        size: 10,
        models: ['EX-24P'],
        advisory: 'EXN-2026-003',
      },
    ],
  };
  const signedManifest = Buffer.from(
    JSON.stringify(signEnvelope(Buffer.from(JSON.stringify(manifest)), siteKeys.privateKey)),
  );
  const zip = writeBundle(
    [
      {
        feedId: 'osv-debian',
        kind: 'osv',
        file: 'dsa.json',
        body: Buffer.from(fixture('catalog/osv/DSA-5880-1.json')),
      },
      { feedId: 'vendor', kind: 'depot-manifest', file: 'vendor.json', body: signedManifest },
    ],
    1,
    siteKeys.privateKey,
  );
  const ok = await upload(zip);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/patches/feeds?done=bundle');
  assert.match(await (await h.request('/patches')).text(), /DSA-5880-1/);
  const feeds = await (await h.request('/patches/feeds')).text();
  assert.match(feeds, /Vendor files \(1\)/);
  assert.match(
    feeds,
    /EX-24 \(EX-24P\)<\/td><td data-label="Version">4\.2\.1<\/td><td data-label="File">ex24-4\.2\.1\.bin/,
  );
  const stranger = generateKeyPairSync('ed25519');
  const bad = await upload(
    writeBundle(
      [
        {
          feedId: 'x',
          kind: 'osv',
          file: 'a.json',
          body: Buffer.from(fixture('catalog/osv/DSA-5880-1.json')),
        },
      ],
      2,
      stranger.privateKey,
    ),
  );
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /not trusted here/);
});

test('the host page lists missing fixes and installed packages, a page at a time', async (t) => {
  const h = await harness(t);
  await h.catalog.syncNow(['debian']);
  // The old per-host patch page and old ids land on the one host page.
  const moved = await h.request(`/patches/hosts/${h.ids.pc1}`);
  assert.equal(moved.status, 302);
  assert.equal(moved.headers.get('location'), `/hosts/${h.ids.pc1}#fixes`);
  assert.equal(
    (await h.request('/patches/hosts/pc-1.lan')).headers.get('location'),
    `/hosts/${h.ids.pc1}#fixes`,
  );
  assert.equal((await h.request('/patches/hosts/nope')).status, 404);

  const html = await (await h.request(`/hosts/${h.ids.pc1}`)).text();
  assert.match(html, /Missing fixes \(3\)/);
  assert.match(html, /curl, libcurl3-gnutls, libcurl3-nss, libcurl4/);
  assert.match(html, /2 further known vulnerabilities have no fix yet/);
  assert.match(html, /Installed packages \(400\)/);
  const packageRows = html
    .slice(html.indexOf('id="packages"'))
    .match(/<tr><td>[^<]+<\/td><td data-label="Version"><code>/g);
  assert.equal(packageRows?.length, 100, 'one page of 100 packages');
  assert.ok(html.includes(`href="/hosts/${h.ids.pc1}?packages=2&amp;fixes=1#packages"`), 'a link to page 2');
  assert.match(html, /page 1 of 4 · 400 in all/);
  const last = await (await h.request(`/hosts/${h.ids.pc1}?packages=4`)).text();
  assert.match(last, /page 4 of 4/);
  assert.doesNotMatch(last, /rel="next"/);
  assert.match(await (await h.request(`/hosts/${h.ids.pc1}?packages=99`)).text(), /page 4 of 4/, 'clamped');
  assert.match(await (await h.request(`/hosts/${h.ids.pc2}`)).text(), /Fully patched/);
});

test('an advisory affecting many hosts lists them a page at a time', async (t) => {
  const h = await harness(t, 150);
  await h.catalog.syncNow(['debian']);
  const first = await (await h.request('/patches/advisories/debian/CVE-2024-8176')).text();
  assert.match(first, /Affected hosts \(152\)/);
  assert.equal(first.match(/<a href="\/hosts\/h-[0-9a-f]{10}#fixes">/g)?.length, 100);
  assert.match(first, /href="\/patches\/advisories\/debian\/CVE-2024-8176\?page=2"/);
  const second = await (await h.request('/patches/advisories/debian/CVE-2024-8176?page=2')).text();
  assert.equal(second.match(/<a href="\/hosts\/h-[0-9a-f]{10}#fixes">/g)?.length, 52);
  assert.match(second, /page 2 of 2 · 152 in all/);
});

test('Patches by host lists every host a page at a time, the most at risk first, keeping the filters', async (t) => {
  const h = await harness(t, 150);
  await h.catalog.syncNow(['debian']);
  const rowsOf = (html: string) => html.match(/<a href="\/hosts\/[^"#]+#fixes">/g)?.length ?? 0;
  const first = await (await h.request('/patches?view=hosts&severity=low')).text();
  assert.equal(rowsOf(first), 100);
  assert.match(first, /href="\/patches\?view=hosts&amp;severity=low&amp;page=2" rel="next"/);
  assert.match(first, /page 1 of 2 · 152 in all/);
  const second = await (await h.request('/patches?view=hosts&severity=low&page=2')).text();
  assert.equal(rowsOf(second), 52, 'host 101 onwards can be reached, not only the first ones');
  assert.match(second, /href="\/patches\?view=hosts&amp;severity=low" rel="prev"/);
  // By advisory pages too (one advisory page here: no page links).
  assert.doesNotMatch(await (await h.request('/patches')).text(), /aria-label="Advisory pages"/);
});

test('a missing fix no feed rates is counted unrated and its host at risk, on Patches and the dashboard', async (t) => {
  // The tracker knows the curl fix pc-1 lacks but gives it no urgency yet.
  const tracker = JSON.parse(fixture('catalog/debian-tracker.json'));
  tracker.curl['CVE-2025-0725'].releases.bookworm.urgency = 'not yet assigned';
  // ... and rates the glibc one low, a severity the card's breakdown once left out.
  tracker.glibc['CVE-2025-4802'].releases.bookworm.urgency = 'low';
  const h = await harness(t, 0, JSON.stringify(tracker));
  const _csrf = await h.csrf('/patches/feeds');
  await h.post('/patches/feeds/sync', { _csrf, feed: 'debian' });
  await h.catalog.idle();
  const patches = await (await h.request('/patches')).text();
  // The card's breakdown names every severity with fixes (low included), so its parts add up.
  const card = /Missing fixes<\/span><span class="value">(\d+)<\/span><span class="hint">([^<]*)</.exec(
    patches,
  );
  assert.ok(card, 'the Missing fixes card');
  assert.match(card[2]!, / · [1-9]\d* low · [1-9]\d* unrated$/);
  const parts = [...card[2]!.matchAll(/(\d+) (critical|high|medium|low|negligible|unrated)/g)];
  assert.equal(
    parts.reduce((sum, m) => sum + Number(m[1]), 0),
    Number(card[1]),
    `"${card[2]}" adds up to ${card[1]}`,
  );
  assert.match(patches, /missing any security fix, rated or not/);
  assert.match(await (await h.request('/patches?q=CVE-2025-0725')).text(), />unrated</);
  const dashboard = await (await h.request('/')).text();
  assert.match(dashboard, /[1-9]\d* unrated/);
  assert.match(dashboard, /hosts? miss(es)? security fixes/);
});

test('right after a collection starts, Patches says it is assessing and reloads once inventories land', async (t) => {
  let run: { hosts: Map<string, { state: string }> } | undefined = {
    hosts: new Map([
      ['h-1', { state: 'ok' }],
      ['h-2', { state: 'running' }],
    ]),
  };
  const h = await assessedSite(t, { more: async () => ({ inventory: { activeRun: () => run } as never }) });
  const kept = h.hosts.splice(0);
  h.assess().invalidate();
  const _csrf = await h.csrf('/patches/feeds');
  await h.post('/patches/feeds/sync', { _csrf, feed: 'debian' }, { 'hx-request': 'true' });
  await h.catalog.idle();
  const page = await (await h.request('/patches')).text();
  assert.match(page, /Assessing…/);
  assert.match(page, /\(1 of 2 hosts done\)/);
  assert.match(page, /hx-get="\/patches\/waiting" hx-trigger="every 2s"/);
  assert.doesNotMatch(page, /No host inventories yet/);
  const still = await h.request('/patches/waiting', { headers: { 'hx-request': 'true' } });
  assert.equal(still.headers.get('hx-refresh'), null);
  // The first inventories land: the next poll reloads the page.
  h.hosts.push(...kept);
  h.assess().invalidate();
  const landed = await h.request('/patches/waiting', { headers: { 'hx-request': 'true' } });
  assert.equal(landed.headers.get('hx-refresh'), 'true');
  run = undefined;
  h.hosts.splice(0);
  h.assess().invalidate();
  assert.match(
    await (await h.request('/patches')).text(),
    /No host inventories yet/,
    'no run, nothing collected',
  );
});

test('after a feed sync or a collection, Patches shows the last figures while a slow reassessment runs, and reloads when it is done', async (t) => {
  let hold = Promise.resolve();
  const h = await assessedSite(t, { gate: () => hold });
  await h.catalog.syncNow(['debian']);
  const fresh = await (await h.request('/patches')).text();
  assert.match(fresh, /33 %/);
  assert.doesNotMatch(fresh, /Assessing…/, 'a quick assessment is simply shown');
  const before = h.assess().latest()!.computedAt;

  let release!: () => void;
  hold = new Promise<void>((r) => (release = r));
  h.assess().invalidate();
  const page = await (await h.request('/patches')).text();
  assert.match(page, /Assessing…/);
  assert.match(page, /3 hosts are being assessed again/);
  assert.match(page, /33 %/, 'the last figures, not an empty page');
  assert.ok(page.includes(`hx-get="/patches/fresh?after=${encodeURIComponent(before)}"`), page);
  const poll = () =>
    h.request(`/patches/fresh?after=${encodeURIComponent(before)}`, { headers: { 'hx-request': 'true' } });
  assert.equal((await poll()).headers.get('hx-refresh'), null, 'still assessing');
  release();
  await waitFor(() => h.assess().latest()!.computedAt !== before, 'the reassessment');
  assert.equal((await poll()).headers.get('hx-refresh'), 'true', 'a newer result reloads the page');
  assert.doesNotMatch(await (await h.request('/patches')).text(), /Assessing…/);
});

test('the first assessment since start is not waited for: Patches says it is running and reloads when it is done', async (t) => {
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const h = await assessedSite(t, { gate: hold });
  await h.catalog.syncNow(['debian']);
  const page = await (await h.request('/patches')).text();
  assert.match(page, /The hosts are being assessed against the catalog/);
  assert.match(page, /hx-get="\/patches\/fresh" hx-trigger="every 2s"/);
  const poll = () => h.request('/patches/fresh', { headers: { 'hx-request': 'true' } });
  assert.equal((await poll()).headers.get('hx-refresh'), null);
  const odd = await h.request('/patches/fresh?after=%3Cb%3Eodd%3C%2Fb%3E', {
    headers: { 'hx-request': 'true' },
  });
  assert.doesNotMatch(await odd.text(), /odd/, 'the poll echoes nothing of its request');
  release();
  await waitFor(() => h.assess().latest() !== undefined, 'the first assessment');
  assert.equal((await poll()).headers.get('hx-refresh'), 'true');
  assert.equal((await h.request('/patches/fresh')).status, 302, 'not an htmx request: the page itself');
});

test('a failing assessment is said on Patches, its poll and the dashboard, never "Assessing…" for ever', async (t) => {
  let gate: () => Promise<void> = () => Promise.resolve();
  const h = await assessedSite(t, { gate: () => gate() });
  await h.catalog.syncNow(['debian']);
  assert.match(await (await h.request('/patches')).text(), /33 %/);
  const before = h.assess().latest()!.computedAt;

  gate = () => Promise.reject(new Error('inventory pc-1.json: unexpected end of JSON input'));
  h.assess().invalidate();
  const page = await (await h.request('/patches')).text();
  assert.match(page, /The assessment failed/);
  assert.match(page, /unexpected end of JSON input/);
  assert.match(page, /33 %/, 'the last good figures stay, said to be from before');
  assert.doesNotMatch(page, /Assessing…|hx-trigger="every 2s"/, 'nothing polls a failure');
  // A page opened before the failure polls with the time of the figures it shows.
  const poll = await h.request(`/patches/fresh?after=${encodeURIComponent(before)}`, {
    headers: { 'hx-request': 'true' },
  });
  const polled = await poll.text();
  assert.equal(poll.headers.get('hx-refresh'), null);
  assert.match(polled, /The assessment failed/);
  assert.doesNotMatch(polled, /hx-trigger/, 'an open page stops polling');
  const dashboard = await (await h.request('/')).text();
  assert.match(dashboard, /<strong>Patches<\/strong>: the assessment of the hosts failed at/);
  assert.doesNotMatch(dashboard, /reassessing now/);

  // The broken inventory is fixed and a collection lands: assessed again, the failure gone.
  gate = () => Promise.resolve();
  h.assess().invalidate();
  const again = await (await h.request('/patches')).text();
  assert.doesNotMatch(again, /The assessment failed|Assessing…/);
  assert.doesNotMatch(await (await h.request('/')).text(), /Needs attention/);
});
