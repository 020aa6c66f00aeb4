/**
 * Deployments through the real daemon (DepotApp on loopback, its own catalog, assessment and
 * deployment service) with test-only host adapters: create from the Patches selection, preview,
 * approve, run now, live progress, the host log, pause, cancel, retry and breaker reset, CSRF
 * refusals; and a daemon without adapters that says deployments are unavailable.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { waitFor } from '../../support/wait-for.js';
import { HIGH, httpBrowser, MEDIUM, startDeployApp } from './deploy-app.js';

const htmx = { 'hx-request': 'true' };

const createDraft = async (t: TestContext, hostFails?: boolean, concurrency?: number, account?: string) => {
  const s = await startDeployApp(t, concurrency ? { config: { deploy: { concurrency } } } : {});
  if (hostFails)
    s.site.host(s.hosts[0]!).installFails = {
      kind: 'permanent',
      reason:
        'pc: sudo wants a password before deploy may run /usr/bin/apt-get as root. Allow exactly what the appliance runs as root, without a password, in /etc/sudoers.d/patch-depot (check it with visudo -cf): deploy ALL=(root) NOPASSWD: /usr/bin/apt-get, /usr/bin/dpkg, /sbin/reboot',
      times: 1,
    };
  const b = await httpBrowser(s.url, s.dataDir, undefined, account);
  const patches = await (await b.request('/patches')).text();
  assert.match(patches, new RegExp(`<input type="checkbox" name="advisory" value="${HIGH}"`));
  const preview = await (await b.request(`/deployments/new?advisory=${HIGH}`)).text();
  assert.match(preview, /Plan: 3 hosts to change/);
  assert.match(preview, /libexpat1 → 2\.5\.0-1\+deb12u2/);
  assert.doesNotMatch(preview, /curl →/, 'only the selected advisory');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(preview)![1]!;
  const created = await b.post('/deployments', { _csrf: csrf, advisory: HIGH, title: 'expat everywhere' });
  assert.equal(created.status, 303, await created.clone().text());
  const page = created.headers.get('location')!;
  assert.match(page, /^\/deployments\/dep-[^?]+\?done=created$/);
  const id = decodeURIComponent(page.split('/')[2]!.split('?')[0]!);
  return { ...s, b, id, href: `/deployments/${id}` };
};

const token = async (b: Awaited<ReturnType<typeof httpBrowser>>, path: string) => b.csrf(path);

test('create from Patches, preview, approve, run now, watch it verify; the host page lists it', async (t) => {
  const s = await createDraft(t);
  let html = await (await s.b.request(s.href)).text();
  assert.match(html, /expat everywhere/);
  assert.match(html, />draft<\/strong>/);
  assert.doesNotMatch(html, /hx-trigger="every 2s"/, 'a draft is not polled');
  // Cancelling cannot be undone: it is not dressed as the primary action beside Run.
  assert.match(html, /<button type="submit" class="danger">Cancel deployment<\/button>/);
  assert.match(html, /<button type="submit">Run now \(ignore maintenance windows\)<\/button>/);
  // Each ring names the host groups in it, as the host table does.
  assert.match(html, /<td data-label="Ring">ring 2: default<\/td>/);
  assert.equal((await s.app.deploy?.get(s.id))?.hosts.length, 3);
  // Nothing ran yet: no "log" link to an empty page; the row and the log page say what it waits for.
  assert.doesNotMatch(html, />log<\/a>/);
  assert.match(html, /no log yet: the deployment has not been started/);
  const empty = await (await s.b.request(`${s.href}/hosts/${s.hosts[0]}`)).text();
  assert.match(empty, /No step has run on this host yet: the deployment has not been started\./);
  // "Run" on a draft nobody approved would start nothing: the page says so before it is pressed.
  assert.match(html, /Nothing here is approved yet: running it starts no host until its fixes are approved/);
  // Approve, then run: on a draft the Approvals card comes before the Run buttons.
  assert.ok(html.indexOf('id="approvals"') < html.indexOf('Run now (ignore'), 'Approvals first');
  // The draft's one advisory is already in the Approve field: clicking Approve approves it.
  assert.match(
    html,
    new RegExp(`<input type="text" name="value" list="approve-values" required="" value="${HIGH}"`),
  );

  const approve = await s.b.post(`${s.href}/approve`, {
    _csrf: await token(s.b, s.href),
    kind: 'advisory',
    value: HIGH,
    deadline: '2031-01-31T18:00',
  });
  assert.equal(approve.status, 303);
  html = await (await s.b.request(`${s.href}?done=approved`)).text();
  assert.match(html, /Approved; the audit log/);
  assert.doesNotMatch(
    html,
    /Nothing here is approved yet|wait for an approval/,
    'every host is approved now',
  );
  assert.match(
    html,
    new RegExp(`approve advisory ${HIGH} · deadline <time datetime="2031-01-31T18:00:00.000Z"`),
  );
  assert.match(
    html,
    /<td data-label="Who">admin<\/td><td data-label="From">127\.0\.0\.1<\/td>/,
    'who and from where, from the audit log',
  );

  // Hold the first install so the running state can be seen.
  let release!: () => void;
  s.site.host(s.hosts[0]!).holdInstall = new Promise<void>((r) => {
    release = r;
  });
  const run = await s.b.post(`${s.href}/run`, { _csrf: await token(s.b, s.href), now: '1' });
  assert.equal(run.status, 303);
  await waitFor(() => s.site.ran('install').length > 0, 'an install to start');
  const live = await (await s.b.request(`${s.href}/live`, { headers: htmx })).text();
  assert.match(
    live,
    /^<section class="card" id="deployment-live" hx-get="[^"]+\/live" hx-trigger="every 2s"/,
  );
  assert.match(live, />running<\/strong>/);
  assert.match(live, /installing|verifying|queued/);
  assert.doesNotMatch(live, /id="approvals"/, 'a typed approval is not reset by each poll');
  release();
  await waitFor(() => s.app.deploy?.summary(s.id).state === 'completed', 'the deployment to complete');
  await s.app.deploy?.store.settled();
  assert.equal(s.app.deploy?.store.live(s.id), undefined, 'held as its summary once it ended');
  const done = await (await s.b.request(`${s.href}/live`, { headers: htmx })).text();
  assert.doesNotMatch(done, /hx-trigger/, 'polling stops once it ended');
  assert.match(done, /3 verified/);
  assert.match(done, /ring 2/);
  assert.match(done, /100% \(needs 100%\)/);
  // A page open since the run started gets its Approvals card replaced by the last poll: the
  // approval form goes once the deployment completed, as a reload would show.
  assert.match(done, /<section class="card" id="approvals" hx-swap-oob="true">/);
  assert.doesNotMatch(done.slice(done.indexOf('id="approvals"')), /action="[^"]+\/approve"/);
  const audit = await (await s.b.request(s.href)).text();
  assert.match(audit, /start \(now\)/, 'run now is recorded as such');

  const log = await (await s.b.request(`${s.href}/hosts/${s.hosts[0]}`)).text();
  assert.match(log, /\$ install/);
  assert.match(log, /exit 0/);
  assert.match(log, /Dry run/);
  assert.match(log, /upgrade libexpat1 2\.5\.0-1\+deb12u1 → 2\.5\.0-1\+deb12u2/);

  const list = await (await s.b.request('/deployments')).text();
  assert.match(list, /expat everywhere/);
  assert.match(list, /3 verified/);
  assert.match(list, new RegExp(HIGH));
  assert.match(
    list,
    /removed 400 days after its last change, except the 10 newest and any still holding an update back \(“Allow … again”\); what it fixed stays in Reports\./,
  );
  assert.match(
    list,
    /<code>deploy\.keepDays<\/code> in the settings file \(\s*<a href="\/settings\/config#file-only">/,
  );
  const host = await (await s.b.request(`/hosts/${s.hosts[1]}`)).text();
  assert.match(host, /Deployments \(1\)/);
  assert.match(host, /expat everywhere/);
  assert.match(host, /libexpat1 2\.5\.0-1\+deb12u2/);
});

test('a failed host shows why and the sudoers line; its breaker is reset and it is retried', async (t) => {
  const s = await createDraft(t, true);
  await s.b.post(`${s.href}/approve`, { _csrf: await token(s.b, s.href), kind: 'group', value: 'default' });
  await s.b.post(`${s.href}/run`, { _csrf: await token(s.b, s.href), now: '1' });
  await waitFor(() => s.app.deploy?.summary(s.id).state === 'halted', 'the ring gate to halt');
  let html = await (await s.b.request(s.href)).text();
  assert.match(html, /ring 2 gate: 2 of 3 hosts succeeded/);
  assert.match(html, /Allow libexpat1=2\.5\.0-1\+deb12u2 again/);
  assert.match(html, /To go on: fix the cause on each failed host/);
  // The dashboard names the halted deployment (by its title, hosts by name) and links to it, not
  // only the failed host job inside it.
  const dash = await (await s.b.request('/')).text();
  assert.match(
    dash,
    /<strong>Deployments<\/strong>: deployment “expat everywhere” is halted: ring 2 gate: 2 of 3/,
  );
  assert.match(dash, new RegExp(`<a href="/deployments/${s.id}">open the deployment</a>`));
  assert.doesNotMatch(dash.slice(dash.indexOf('is halted')), /: h-[0-9a-f]{10}: /, 'hosts by name');
  // One item for the one problem: its failed host job is not listed again under Activity.
  assert.doesNotMatch(dash, /<strong>Activity<\/strong>: \d+ jobs? failed/);
  assert.deepEqual(await s.app.jobs.health(), [], 'the jobs explain nothing the deployment does not');
  // The failed host's job names it once, in its title, not again by id in its error.
  const failed = s.app.jobs.list().filter((j) => j.state === 'failed');
  assert.ok(failed.length > 0, 'a failed host job');
  for (const j of failed) {
    assert.match(j.title, /^Deploy .+ to (?!a host$)/);
    assert.match(j.error ?? '', /^failed \(/);
  }
  const log = await (await s.b.request(`${s.href}/hosts/${s.hosts[0]}`)).text();
  assert.match(
    log,
    /<code>deploy ALL=\(root\) NOPASSWD: \/usr\/bin\/apt-get, \/usr\/bin\/dpkg, \/sbin\/reboot<\/code>/,
  );

  const early = await s.b.post(`${s.href}/hosts/${s.hosts[0]}/retry`, { _csrf: await token(s.b, s.href) });
  assert.equal(early.status, 409, 'the breaker must be reset first');
  assert.match(await early.text(), /allow it on that host again first/);
  const reset = await s.b.post(`${s.href}/hosts/${s.hosts[0]}/reset-breaker`, {
    _csrf: await token(s.b, s.href),
    update: 'libexpat1=2.5.0-1+deb12u2',
  });
  assert.equal(reset.status, 303);
  // A second press of the same button (a double click, a page left open) lands on the page too,
  // not on "Not found: no open breaker"; something never offered is still refused.
  const again = await s.b.post(`${s.href}/hosts/${s.hosts[0]}/reset-breaker`, {
    _csrf: await token(s.b, s.href),
    update: 'libexpat1=2.5.0-1+deb12u2',
  });
  assert.equal(again.status, 303);
  assert.equal(again.headers.get('location'), `${s.href}?done=reset`);
  const never = await s.b.post(`${s.href}/hosts/${s.hosts[0]}/reset-breaker`, {
    _csrf: await token(s.b, s.href),
    update: 'nothing=1',
  });
  assert.equal(never.status, 404);
  html = await (await s.b.request(s.href)).text();
  assert.match(html, /Retry host/);
  const retry = await s.b.post(`${s.href}/hosts/${s.hosts[0]}/retry`, { _csrf: await token(s.b, s.href) });
  assert.equal(retry.status, 303);
  await waitFor(() => s.app.deploy?.summary(s.id).state === 'completed', 'the retried host to verify');
  // The address keeps ?done=retried: once the run is over, the page no longer says it runs again.
  assert.doesNotMatch(await (await s.b.request(`${s.href}?done=retried`)).text(), /The host runs again/);
  assert.equal((await s.app.deploy?.get(s.id))?.hosts.filter((h) => h.outcome === 'verified').length, 3);
  // Retry starts the host's attempts again: the old failure says it was the first run, not
  // "attempt 1" beside an Attempts count of 1 that is another try.
  html = await (await s.b.request(s.href)).text();
  assert.match(
    html,
    /<td data-label="Attempts">1 \(retry 1\)<div class="hint why">first run, attempt 1: permanent: /,
  );
  assert.doesNotMatch(html, /[^,] attempt 1: permanent/);
});

test('pause stops new starts and cancel ends it; mutations need the CSRF token', async (t) => {
  const s = await createDraft(t, false, 1, 'tina');
  const csrf = await token(s.b, s.href);
  for (const path of ['/approve', '/run', '/pause', '/cancel']) {
    const res = await s.b.post(`${s.href}${path}`, { kind: 'advisory', value: HIGH, now: '1' });
    assert.equal(res.status, 403, `${path} without a token`);
    const wrong = await s.b.post(`${s.href}${path}`, {
      _csrf: 'x'.repeat(43),
      kind: 'advisory',
      value: HIGH,
    });
    assert.equal(wrong.status, 403, `${path} with a wrong token`);
  }
  const foreign = await s.b.post(
    '/deployments',
    { _csrf: csrf, advisory: HIGH },
    { origin: 'http://evil.test' },
  );
  assert.equal(foreign.status, 403, 'cross-site create refused');
  assert.equal((await s.app.deploy?.get(s.id))?.approvals.length, 0, 'nothing was approved');
  assert.equal(s.app.deploy?.list().length, 1, 'nothing else was created');

  let release!: () => void;
  s.site.host(s.hosts[0]!).holdInstall = new Promise<void>((r) => {
    release = r;
  });
  await s.b.post(`${s.href}/approve`, { _csrf: csrf, kind: 'package', value: 'libexpat*' });
  // One host at a time (deploy.concurrency 1): the paused deployment starts nothing after the held one.
  await s.b.post(`${s.href}/run`, { _csrf: csrf, now: '1' });
  await waitFor(() => s.site.ran('install').length === 1, 'the first install');
  const pause = await s.b.post(`${s.href}/pause`, { _csrf: csrf });
  assert.equal(pause.status, 303);
  assert.match(await (await s.b.request(`${s.href}?done=paused`)).text(), /Paused: nothing more starts/);
  release();
  await waitFor(
    async () => (await s.app.deploy?.get(s.id))?.hosts[0]?.outcome === 'verified',
    'the held host to finish',
  );
  assert.equal(s.site.ran('install').length, 1, 'no other host started while paused');
  const html = await (await s.b.request(s.href)).text();
  assert.match(html, /Resume in maintenance windows/);
  assert.match(
    html,
    /hx-confirm="Cancel this deployment\? Hosts still waiting are dropped/,
    'the browser asks first',
  );
  const asked = await s.b.post(`${s.href}/cancel`, { _csrf: csrf });
  assert.equal(asked.status, 200, 'without JavaScript a page asks first');
  const question = await asked.text();
  assert.match(question, /<h1>Cancel this deployment\?<\/h1>/);
  // Its answers say what they do: "Confirm" beside "Cancel" read as the opposite of each other's meaning.
  assert.match(
    question,
    /<button type="submit">Cancel the deployment<\/button> <a href="\/deployments\/[^"]+">Keep it<\/a>/,
  );
  assert.equal(s.app.deploy?.summary(s.id).state, 'paused', 'nothing cancelled before the confirmation');
  const cancel = await s.b.post(`${s.href}/cancel`, { _csrf: csrf, confirm: 'yes' });
  assert.equal(cancel.status, 303);
  assert.equal(s.app.deploy?.summary(s.id).state, 'cancelled');
  // The deployment and its audit log name the account that acted, not a fixed "admin".
  const record = await s.app.deploy!.get(s.id);
  assert.equal(record.createdBy, 'tina');
  const audit = (await s.app.deploy!.audit.read()).filter((e) => e.deploymentId === s.id);
  assert.deepEqual([...new Set(audit.map((e) => e.by))], ['tina']);
  assert.match(await (await s.b.request(s.href)).text(), / by tina · /);
  // An address kept from an earlier action says nothing the deployment is no longer doing.
  const later = await (await s.b.request(`${s.href}?done=paused`)).text();
  assert.doesNotMatch(later, /Paused: nothing more starts/, 'a cancelled deployment is not "paused"');
  assert.doesNotMatch(
    await (await s.b.request(`${s.href}?done=started`)).text(),
    /<p>Started\.<\/p>|>Started\.</,
  );
  assert.match(await (await s.b.request(`${s.href}?done=cancelled`)).text(), /Cancelled\./);
  const again = await s.b.post(`${s.href}/run`, { _csrf: csrf, now: '1' });
  assert.equal(again.status, 409);
});

test('bad input is refused with a message; an unknown deployment is 404', async (t) => {
  const s = await createDraft(t);
  const csrf = await token(s.b, s.href);
  const none = await s.b.request('/deployments/new');
  assert.equal(none.status, 400);
  // Deploy selected with nothing ticked leads back to Patches, not to a dead end.
  const noneHtml = await none.text();
  assert.match(noneHtml, /Nothing is ticked: tick at least one advisory, package or host on Patches first/);
  assert.match(noneHtml, /<a href="\/patches">Back to Patches<\/a>/);
  const bad = await s.b.post(`${s.href}/approve`, { _csrf: csrf, kind: 'advisory', value: '' });
  assert.equal(bad.status, 400);
  const badDeadline = await s.b.post(`${s.href}/approve`, {
    _csrf: csrf,
    kind: 'advisory',
    value: HIGH,
    deadline: 'soon',
  });
  assert.equal(badDeadline.status, 400);
  assert.match(await badDeadline.text(), /deadline: &quot;soon&quot; is not a date and time/);
  // A date the calendar lacks, one past year 9999 and one already gone are refused too: a past
  // deadline would have sent the hosts at once, outside their maintenance windows.
  for (const [deadline, why] of [
    ['2031-02-30T10:00', /deadline: &quot;2031-02-30T10:00&quot; is not a date and time/],
    ['+275760-09-13T00:00', /deadline: &quot;\+275760-09-13T00:00&quot; is not a date and time/],
    ['0000-01-01T00:00', /deadline: 0000-01-01 00:00 UTC is in the past/],
  ] as const) {
    const res = await s.b.post(`${s.href}/approve`, { _csrf: csrf, kind: 'advisory', value: HIGH, deadline });
    assert.equal(res.status, 400, deadline);
    assert.match(await res.text(), why);
  }
  assert.equal((await s.app.deploy!.get(s.id)).approvals.length, 0, 'nothing approved');
  assert.equal((await s.b.request('/deployments/dep-nope')).status, 404);
  const notMissing = await s.b.post('/deployments', { _csrf: csrf, advisory: 'DSA-0000-1' });
  assert.equal(notMissing.status, 400);
  assert.match(await notMissing.text(), /nothing to deploy/);
});

test('without an SSH executor the daemon says deployments are unavailable', async (t) => {
  const s = await startDeployApp(t, { deploy: false, hosts: ['pc-1'] });
  const b = await httpBrowser(s.url, s.dataDir);
  assert.match(await (await b.request('/deployments')).text(), /deployments are off/i);
  const preview = await (await b.request(`/deployments/new?advisory=${HIGH}`)).text();
  assert.match(preview, /deployments are off/i);
  assert.match(preview, /<button type="submit" disabled="">Create draft/);
  const res = await b.post('/deployments', {
    _csrf: await b.csrf('/deployments/new?advisory=x'),
    advisory: HIGH,
  });
  assert.equal(res.status, 503);
  assert.match(await (await b.request(`/hosts/${s.hosts[0]}`)).text(), /deployments are off/i);
});

test('the preview and the draft take a host as the CLI does: by an old id, an address, not only its id', async (t) => {
  const s = await startDeployApp(t);
  // The inventories were filed as pc-1 .. pc-3 before the host directory: those names are aliases.
  const second = s.hosts.find((id) => s.app.hosts!.get(id)?.aliases.includes('pc-2'))!;
  const b = await httpBrowser(s.url, s.dataDir);
  const preview = await (await b.request(`/deployments/new?advisory=${HIGH}&host=pc-2`)).text();
  assert.match(preview, /Plan: 1 host to change/);
  assert.doesNotMatch(preview, /no inventory yet/);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(preview)![1]!;
  const created = await b.post('/deployments', { _csrf: csrf, advisory: HIGH, host: 'pc-2' });
  assert.equal(created.status, 303, await created.clone().text());
  const id = decodeURIComponent(created.headers.get('location')!.split('/')[2]!.split('?')[0]!);
  assert.deepEqual(
    (await s.app.deploy?.get(id))?.hosts.map((h) => h.hostId),
    [second],
  );
  // A machine known by its address only: found by it (and named by its id), though not inventoried.
  const bare = await s.app.hosts!.directory.forAddress('10.9.0.77');
  const byAddress = await (await b.request(`/deployments/new?advisory=${HIGH}&host=10.9.0.77`)).text();
  assert.match(byAddress, new RegExp(`<a href="/hosts/${bare.id}">`));
  // A name the directory does not know stays as typed, and the plan says so.
  const unknown = await (await b.request(`/deployments/new?advisory=${HIGH}&host=10.9.0.99`)).text();
  assert.match(unknown, /<a href="\/hosts\/10\.9\.0\.99">10\.9\.0\.99<\/a>: no inventory yet/);
});

test('a double submit acts once: approve, run, retry and cancel pressed twice at once', async (t) => {
  const s = await createDraft(t, true);
  const csrf = await token(s.b, s.href);
  const twice = async (path: string, form: Record<string, string>) => {
    const res = await Promise.all([1, 2].map(() => s.b.post(`${s.href}${path}`, { _csrf: csrf, ...form })));
    for (const r of res) assert.equal(r.status, 303, `${path}: ${r.status} ${await r.clone().text()}`);
    return res;
  };
  const entries = async (action: string) =>
    (await s.app.deploy!.audit.read()).filter((e) => e.deploymentId === s.id && e.action === action);
  await twice('/approve', { kind: 'group', value: 'default' });
  assert.equal((await s.app.deploy!.get(s.id)).approvals.length, 1, 'one approval');
  assert.equal((await entries('approve')).length, 1, 'one approval in the audit log');
  await twice('/run', { now: '1' });
  assert.equal((await entries('start')).length, 1, 'started once');
  await waitFor(() => s.app.deploy?.summary(s.id).state === 'halted', 'the ring gate to halt');
  await s.b.post(`${s.href}/hosts/${s.hosts[0]}/reset-breaker`, {
    _csrf: csrf,
    update: 'libexpat1=2.5.0-1+deb12u2',
  });
  // Hold the retried install, so both presses land while the host runs again.
  let release!: () => void;
  s.site.host(s.hosts[0]!).holdInstall = new Promise<void>((r) => {
    release = r;
  });
  await twice(`/hosts/${s.hosts[0]}/retry`, {});
  const h = (await s.app.deploy!.get(s.id)).hosts.find((x) => x.hostId === s.hosts[0]);
  assert.equal(h?.retries, 1, 'retried once, not twice');
  await twice('/cancel', { confirm: 'yes' });
  assert.equal((await entries('cancel')).length, 1, 'cancelled once');
  release();
});

test('an approval naming nothing in the deployment is refused, and its text is bounded', async (t) => {
  const s = await createDraft(t);
  const csrf = await token(s.b, s.href);
  const refused = async (kind: string, value: string, why: RegExp) => {
    const res = await s.b.post(`${s.href}/approve`, { _csrf: csrf, kind, value });
    const html = await res.text();
    assert.equal(res.status, 400, `${kind} ${value.slice(0, 40)}: ${res.status}`);
    assert.match(html, why);
    assert.ok(html.length < 50_000, 'the value is not echoed whole');
  };
  await refused('advisory', 'DSA-0000-1', /advisory DSA-0000-1 is not in this deployment/);
  await refused('package', 'openssl*', /no package of this deployment matches openssl\*/);
  await refused(
    'group',
    'servers',
    /no host of this deployment is in the group servers \(its groups: default\)/,
  );
  await refused('group', 'x'.repeat(100_000), /approve: x{80}… is longer than 200 characters/);
  assert.equal((await s.app.deploy!.get(s.id)).approvals.length, 0, 'nothing approved');
});

test('"Approve all" approves every waiting advisory at once, asks first, one audit entry each, needs CSRF', async (t) => {
  const s = await startDeployApp(t);
  const b = await httpBrowser(s.url, s.dataDir);
  const preview = await b.csrf(`/deployments/new?advisory=${HIGH}&advisory=${MEDIUM}`);
  const created = await b.post('/deployments', {
    _csrf: preview,
    advisory: [HIGH, MEDIUM],
    title: 'two fixes',
  });
  assert.equal(created.status, 303, await created.clone().text());
  const href = created.headers.get('location')!.split('?')[0]!;
  const id = decodeURIComponent(href.split('/')[2]!);
  let html = await (await b.request(href)).text();
  assert.match(html, /<button type="submit">Approve all 2 waiting<\/button>/);
  assert.match(
    html,
    new RegExp(
      `hx-confirm="Approve everything that is waiting\\? This approves advisory ${HIGH}, advisory ${MEDIUM}:`,
    ),
  );
  const csrf = await b.csrf(href);

  assert.equal((await b.post(`${href}/approve-all`, {})).status, 403, 'no CSRF token, no approval');
  // Without JavaScript a page asks first, naming what it approves; nothing is approved yet.
  const asked = await b.post(`${href}/approve-all`, { _csrf: csrf });
  assert.equal(asked.status, 200);
  const question = await asked.text();
  assert.match(question, /<h1>Approve everything that is waiting\?<\/h1>/);
  assert.match(question, new RegExp(`This approves advisory ${HIGH}, advisory ${MEDIUM}: each is logged`));
  assert.equal((await s.app.deploy?.get(id))?.approvals.length, 0);

  const done = await b.post(`${href}/approve-all`, { _csrf: csrf, confirm: 'yes' });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), `${href}?done=approved`);
  const d = await s.app.deploy!.get(id);
  assert.deepEqual(
    d.approvals.map((a) => a.scope),
    [
      { kind: 'advisory', id: HIGH },
      { kind: 'advisory', id: MEDIUM },
    ],
  );
  const audit = (await s.app.deploy!.audit.read()).filter((e) => e.deploymentId === id);
  assert.deepEqual(
    audit.map((e) => [e.action, e.scope, e.by, e.from]),
    [
      ['approve', { kind: 'advisory', id: HIGH }, 'admin', '127.0.0.1'],
      ['approve', { kind: 'advisory', id: MEDIUM }, 'admin', '127.0.0.1'],
    ],
  );
  html = await (await b.request(`${href}?done=approved`)).text();
  assert.doesNotMatch(html, /Approve all \d+ waiting/, 'nothing waits any more');
  // Pressed again (a second tab): said, not a second set of approvals.
  const again = await b.post(`${href}/approve-all`, { _csrf: csrf, confirm: 'yes' });
  assert.notEqual(again.status, 303);
  assert.match(await again.text(), /nothing in deployment .* is waiting for approval/);
  assert.equal((await s.app.deploy!.get(id)).approvals.length, 2);
});

test('"Approve all" takes a deadline, checked as the single approval checks it, before asking', async (t) => {
  const s = await startDeployApp(t);
  const b = await httpBrowser(s.url, s.dataDir);
  const preview = await b.csrf(`/deployments/new?advisory=${HIGH}&advisory=${MEDIUM}`);
  const created = await b.post('/deployments', { _csrf: preview, advisory: [HIGH, MEDIUM], title: 'two' });
  const href = created.headers.get('location')!.split('?')[0]!;
  const id = decodeURIComponent(href.split('/')[2]!);
  const html = await (await b.request(href)).text();
  const form = html.slice(html.indexOf('aria-label="Approve all"'));
  assert.match(form.slice(0, form.indexOf('</form>')), /<input type="datetime-local" name="deadline"\/>/);
  const csrf = await b.csrf(href);
  // A bad or past deadline is refused at once, not after the question; nothing is approved.
  for (const [deadline, why] of [
    ['soon', /deadline: &quot;soon&quot; is not a date and time/],
    ['2031-02-30T10:00', /deadline: &quot;2031-02-30T10:00&quot; is not a date and time/],
    ['2001-01-01T00:00', /deadline: 2001-01-01 00:00 UTC is in the past/],
  ] as const) {
    for (const confirm of [{}, { confirm: 'yes' }] as Record<string, string>[]) {
      const res = await b.post(`${href}/approve-all`, { _csrf: csrf, deadline, ...confirm });
      assert.equal(res.status, 400, deadline);
      assert.match(await res.text(), why);
    }
  }
  assert.equal((await s.app.deploy!.get(id)).approvals.length, 0);
  // The refusal leads back to the deployment to correct the deadline, not to the dashboard.
  const page = `${s.url.replace(/\/$/, '')}${href}?done=created`;
  const refused = await b.post(`${href}/approve-all`, { _csrf: csrf, deadline: 'soon' }, { referer: page });
  assert.match(
    await refused.text(),
    new RegExp(`<a href="${href}\\?done=created">Back to the page you came from</a>`),
  );
  // Another site's page is not offered.
  const elsewhere = await b.post(
    `${href}/approve-all`,
    { _csrf: csrf, deadline: 'soon' },
    { referer: 'http://evil.example/x' },
  );
  assert.match(await elsewhere.text(), /<a href="\/">Back to the dashboard<\/a>/);
  // The question names the deadline and carries it to the answer.
  const asked = await (
    await b.post(`${href}/approve-all`, { _csrf: csrf, deadline: '2031-01-31T18:00' })
  ).text();
  assert.match(
    asked,
    /each is logged as its own approval, by you, now, with the deadline 2031-01-31 18:00 UTC\./,
  );
  assert.match(asked, /<input type="hidden" name="deadline" value="2031-01-31T18:00"\/>/);
  const done = await b.post(`${href}/approve-all`, {
    _csrf: csrf,
    deadline: '2031-01-31T18:00',
    confirm: 'yes',
  });
  assert.equal(done.status, 303);
  const d = await s.app.deploy!.get(id);
  assert.deepEqual(
    d.approvals.map((a) => [a.scope, a.deadline]),
    [
      [{ kind: 'advisory', id: HIGH }, '2031-01-31T18:00:00.000Z'],
      [{ kind: 'advisory', id: MEDIUM }, '2031-01-31T18:00:00.000Z'],
    ],
  );
});
