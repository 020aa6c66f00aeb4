/**
 * Accounts and roles through the real web app: an admin adds an operator and a viewer; each role
 * can do what it should and is refused (403, in words) what it should not; every change and
 * sign-in lands in the audit log with who, from where and how it ended; a reset password signs
 * the account out; removing asks first; the last admin cannot be lost. The role table is checked
 * against every route the app has, so a new route needs a decision.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requiredRole } from '../../../web/middleware/roles.js';
import { type Browser, PASSWORD, setUpAdmin, webHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof webHarness>>;

const signIn = async (h: Harness, name: string, password: string): Promise<Browser> => {
  const b = h.browser();
  const csrf = await b.csrf('/login');
  const res = await b.post('/login', { _csrf: csrf, name, password });
  assert.equal(res.status, 303, `sign-in as ${name}: ${res.status}`);
  return b;
};

const addAccount = async (admin: Browser, name: string, role: string) => {
  const csrf = await admin.csrf('/settings/accounts');
  const res = await admin.post('/settings/accounts', {
    _csrf: csrf,
    name,
    role,
    password: PASSWORD,
    confirm: PASSWORD,
  });
  const html = await res.text();
  assert.equal(res.status, 200, html);
  assert.match(html, new RegExp(`Account ${name} added with the role ${role}`));
};

test('roles: a viewer reads and changes nothing, an operator runs work but not settings, an admin manages accounts', async (t) => {
  const h = await webHarness(t);
  const admin = await setUpAdmin(h);
  await addAccount(admin, 'olga', 'operator');
  await addAccount(admin, 'vic', 'viewer');

  const viewer = await signIn(h, 'vic', PASSWORD);
  assert.equal((await viewer.request('/settings')).status, 200, 'a viewer reads Settings');
  const csrf = await viewer.csrf('/settings');
  const refused = await viewer.post('/settings/scopes', { _csrf: csrf, name: 'x', include: '10.9.0.0/24' });
  assert.equal(refused.status, 403);
  assert.match(
    await refused.text(),
    /Your account <strong>vic<\/strong> has the role <strong>viewer<\/strong>; this needs <strong>admin<\/strong>/,
  );
  assert.equal((await viewer.post('/discovery/scans', { _csrf: csrf })).status, 403);
  assert.equal((await viewer.request('/settings/accounts')).status, 403, 'accounts are for admins only');
  assert.equal((await viewer.request('/settings/audit')).status, 403);

  const operator = await signIn(h, 'olga', PASSWORD);
  const ocsrf = await operator.csrf('/settings');
  assert.equal(
    (await operator.post('/settings/scopes', { _csrf: ocsrf, name: 'x', include: '10.9.0.0/24' })).status,
    403,
  );
  // Not refused by role (this harness has no discovery service, so it answers otherwise).
  assert.notEqual((await operator.post('/discovery/scans', { _csrf: ocsrf })).status, 403);
  // Any account changes its own password.
  const changed = await operator.post('/settings/password', {
    _csrf: ocsrf,
    current: PASSWORD,
    password: `${PASSWORD} two`,
    confirm: `${PASSWORD} two`,
  });
  assert.ok(changed.status === 303 || changed.status === 204, `own password: ${changed.status}`);
  await signIn(h, 'olga', `${PASSWORD} two`);

  // The audit log: who, from where, what, how it ended; sign-ins too.
  const audit = await (await admin.request('/settings/audit')).text();
  assert.match(audit, /add an account[\s\S]*POST \/settings\/accounts/);
  assert.match(audit, /vic[\s\S]*\(viewer\)[\s\S]*add a scope[\s\S]*refused \(403\)/);
  assert.match(audit, /olga[\s\S]*change own password[\s\S]*done/);
  assert.match(audit, /sign in/);
});

test('a reset password is shown once and signs the account out; removing asks first; the last admin stays', async (t) => {
  const h = await webHarness(t);
  const admin = await setUpAdmin(h);
  await addAccount(admin, 'vic', 'viewer');
  const viewer = await signIn(h, 'vic', PASSWORD);
  let csrf = await admin.csrf('/settings/accounts');
  const reset = await (await admin.post('/settings/accounts/vic/reset-password', { _csrf: csrf })).text();
  const password = /<code class="secret">([A-Za-z0-9]{16})<\/code>/.exec(reset)?.[1];
  assert.ok(password, reset);
  assert.equal((await viewer.request('/settings')).status, 303, 'the old session is gone');
  await signIn(h, 'vic', password);

  csrf = await admin.csrf('/settings/accounts');
  const ask = await admin.post('/settings/accounts/vic/remove', { _csrf: csrf });
  assert.match(await ask.text(), /Remove the account vic\?/);
  assert.ok(h.auth.user('vic'), 'not removed without the confirmation');
  const removed = await admin.post('/settings/accounts/vic/remove', { _csrf: csrf, confirm: 'yes' });
  assert.match(await removed.text(), /Account vic removed/);
  assert.equal(h.auth.user('vic'), undefined);

  const self = await admin.post('/settings/accounts/admin/remove', { _csrf: csrf, confirm: 'yes' });
  assert.equal(self.status, 409);
  assert.match(await self.text(), /cannot remove your own account/);
  const demote = await admin.post('/settings/accounts/admin/role', { _csrf: csrf, role: 'viewer' });
  assert.match(await demote.text(), /only admin: make another admin first/);
  const bad = await admin.post('/settings/accounts', {
    _csrf: csrf,
    name: '../etc',
    role: 'root',
    password: 'x',
    confirm: 'x',
  });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /an account name is 1 to 32 letters/);
});

test('a password typed for an account is typed twice: two that differ are refused, nothing changed', async (t) => {
  const h = await webHarness(t);
  const admin = await setUpAdmin(h);
  const form = await (await admin.request('/settings/accounts')).text();
  assert.match(form, /Repeat password\s*<input type="password" name="confirm"/, 'the add form asks twice');
  let csrf = await admin.csrf('/settings/accounts');
  const typo = await admin.post('/settings/accounts', {
    _csrf: csrf,
    name: 'olga',
    role: 'operator',
    password: PASSWORD,
    confirm: `${PASSWORD}x`,
  });
  assert.equal(typo.status, 400);
  assert.match(await typo.text(), /the two passwords do not match/);
  assert.equal(h.auth.user('olga'), undefined, 'no account made with a mistyped password');

  await addAccount(admin, 'olga', 'operator');
  const olga = await signIn(h, 'olga', PASSWORD);
  const settings = await (await olga.request('/settings')).text();
  assert.match(settings, /Repeat new password\s*<input type="password" name="confirm"/);
  csrf = await olga.csrf('/settings');
  const own = await olga.post('/settings/password', {
    _csrf: csrf,
    current: PASSWORD,
    password: `${PASSWORD} two`,
    confirm: `${PASSWORD} too`,
  });
  assert.equal(own.status, 400);
  assert.match(await own.text(), /the two new passwords do not match/);
  await signIn(h, 'olga', PASSWORD);
});

test('every route that changes something has a deliberate role', async (t) => {
  const h = await webHarness(t);
  const expected: Record<string, string> = {
    'POST /login': 'admin', // public: the session gate lets it through before any role applies
    'POST /setup': 'admin',
    'POST /logout': 'viewer',
    'POST /settings/password': 'viewer',
    'POST /activity/:id/cancel': 'operator',
    'POST /assets/acknowledge-all': 'operator',
    'POST /cache/-/prefetch': 'operator',
    'POST /deployments': 'operator',
    'POST /deployments/:id/:action{approve-all|approve|run|pause|cancel}': 'operator',
    'POST /deployments/:id/hosts/:hostId/retry': 'operator',
    'POST /deployments/:id/hosts/:hostId/reset-breaker': 'operator',
    'POST /devices/stage': 'operator',
    'POST /discovery/scans': 'operator',
    'POST /discovery/scans/cancel': 'operator',
    'POST /hosts/:id/asset': 'operator',
    'POST /hosts/:id/manage': 'operator',
    'POST /inventory/collect': 'operator',
    'POST /inventory/hosts/:hostId/collect': 'operator',
    'POST /patches/feeds/sync': 'operator',
    'POST /patches/feeds/bundle': 'operator',
  };
  const sample = (path: string) => path.replace(/:action\{[^}]+\}/, 'approve').replace(/:[a-zA-Z]+/g, 'x1');
  for (const r of h.app.routes) {
    if (r.method !== 'POST') continue;
    const key = `${r.method} ${r.path}`;
    const role = requiredRole(r.method, sample(r.path));
    assert.equal(role, expected[key] ?? 'admin', `${key} needs ${role}`);
  }
});
