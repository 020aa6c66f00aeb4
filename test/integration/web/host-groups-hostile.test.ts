/**
 * The host-group editor against a careless admin and a hostile page: posts without the CSRF token
 * or by a non-admin, hostile names (markup, 10 KB, unicode, control characters), members that are
 * not hosts, duplicate names, hundreds of groups and two admins editing at once. Nothing bad is
 * saved, nothing posted is echoed unescaped, and the file keeps what the first admin saved.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { PASSWORD } from './harness.js';
import { errorOf, formOf, HAND_WRITTEN, settingsHarness } from './settings-harness.js';

const group = { name: 'pilot', ring: '0', others: '10.0.0.0/25', window: '', reboot: 'never' };

/** A post with repeated fields (the member picker's `hosts`), as a browser sends the form. */
const postMany = (
  b: Awaited<ReturnType<typeof settingsHarness>>['admin'],
  path: string,
  fields: [string, string][],
) =>
  b.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

test('host groups: no CSRF token, another origin, or a non-admin: refused, nothing saved', async (t) => {
  const { h, admin, fileJson } = await settingsHarness(t);
  const form = await formOf(admin);
  const noToken = await admin.post('/settings/config/groups', { version: form.version, ...group });
  assert.equal(noToken.status, 403);
  const foreign = await admin.post(
    '/settings/config/groups',
    { ...form, ...group },
    {
      origin: 'http://evil.example',
    },
  );
  assert.equal(foreign.status, 403);
  const csrf = await admin.csrf('/settings/accounts');
  await admin.post('/settings/accounts', {
    _csrf: csrf,
    name: 'olga',
    role: 'operator',
    password: PASSWORD,
    confirm: PASSWORD,
  });
  const operator = h.browser();
  await operator.post('/login', { _csrf: await operator.csrf('/login'), name: 'olga', password: PASSWORD });
  const token = await operator.csrf('/settings');
  for (const path of [
    '/settings/config/groups',
    '/settings/config/groups/pilot',
    '/settings/config/groups/pilot/remove',
  ])
    assert.equal(
      (await operator.post(path, { _csrf: token, version: form.version, ...group, confirm: 'yes' })).status,
      403,
    );
  assert.deepEqual(await fileJson(), HAND_WRITTEN);
});

test('host groups: hostile names and members are refused beside their field, escaped, nothing saved', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  for (const name of [
    '<script>alert(1)</script>',
    'x'.repeat(10 * 1024),
    'пилот',
    'a\u0000b',
    'a\r\nb',
    'pilot\u202e',
    '../../etc',
    '',
  ]) {
    const res = await admin.post('/settings/config/groups', { ...(await formOf(admin)), ...group, name });
    assert.equal(res.status, 400, JSON.stringify(name).slice(0, 40));
    const html = await res.text();
    if (name.trim()) assert.match(errorOf(html, 'group-name') ?? '', /1-40 lowercase letters/);
    assert.doesNotMatch(html, /<script>alert/);
  }
  for (const member of ['front-desk', '10.0.0.300', '<b>x</b>', '10.0.0.0/99', ' ; rm -rf /']) {
    const res = await postMany(admin, '/settings/config/groups', [
      ...Object.entries(await formOf(admin)),
      ...Object.entries({ ...group, others: '' }),
      ['hosts', member],
    ]);
    assert.equal(res.status, 400, member);
    const html = await res.text();
    assert.ok(errorOf(html, 'group-hosts'), `the picker names the bad member ${member}`);
    assert.doesNotMatch(html, /<b>x<\/b>/);
  }
  const typed = await admin.post('/settings/config/groups', {
    ...(await formOf(admin)),
    ...group,
    others: '10.0.0.1\n<i>not an address</i>',
  });
  assert.equal(typed.status, 400);
  const html = await typed.text();
  assert.ok(errorOf(html, 'group-others'));
  assert.doesNotMatch(html, /<i>not an address/);
  assert.deepEqual(await fileJson(), HAND_WRITTEN);
});

test('host groups: a name taken by another group, by adding or renaming, is refused at the name', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  for (const name of ['alpha', 'beta'])
    assert.equal(
      (await admin.post('/settings/config/groups', { ...(await formOf(admin)), ...group, name })).status,
      303,
    );
  const before = await fileJson();
  const again = await admin.post('/settings/config/groups', {
    ...(await formOf(admin)),
    ...group,
    name: 'beta',
  });
  assert.equal(again.status, 400);
  assert.equal(errorOf(await again.text(), 'group-name'), 'a group with this name exists already');
  const renamed = await admin.post('/settings/config/groups/alpha', {
    ...(await formOf(admin)),
    ...group,
    name: 'beta',
  });
  assert.equal(renamed.status, 400);
  const rhtml = await renamed.text();
  assert.equal(errorOf(rhtml, 'group-name'), 'a group with this name exists already');
  assert.doesNotMatch(rhtml, /named twice/, 'said once, beside the name, not as entry 2 of the file');
  assert.deepEqual(await fileJson(), before);
});

test('host groups: two admins editing at once: the second form is stale and saves nothing', async (t) => {
  const { admin, fileJson } = await settingsHarness(t);
  const first = await formOf(admin);
  const second = await formOf(admin);
  const results = await Promise.all([
    admin.post('/settings/config/groups', { ...first, ...group, name: 'one' }),
    admin.post('/settings/config/groups', { ...second, ...group, name: 'two' }),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), [303, 409]);
  const groups = ((await fileJson()).deploy as { groups: { name: string }[] }).groups;
  assert.equal(groups.length, 1, 'one save won, the other kept nothing of its own');
  // A removal posted with no version at all is stale too, never a blind write.
  const blind = await admin.post(`/settings/config/groups/${groups[0]!.name}/remove`, {
    _csrf: first._csrf,
    confirm: 'yes',
  });
  assert.equal(blind.status, 409);
  assert.equal(((await fileJson()).deploy as { groups: unknown[] }).groups.length, 1);
});

test('host groups: hundreds of groups list, edit and remove', async (t) => {
  const { admin, file, fileJson } = await settingsHarness(t);
  const groups = Array.from({ length: 400 }, (_, i) => ({
    name: `g${i}`,
    ring: i % 3,
    members: [`10.${i >> 8}.${i & 255}.0/24`],
    reboot: 'if-required',
  }));
  await writeFile(file, JSON.stringify({ ...HAND_WRITTEN, deploy: { groups } }));
  const page = await admin.request('/settings/config');
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.equal(html.match(/action="\/settings\/config\/groups\/g\d+\/remove"/g)?.length, 400);
  const edited = await admin.post('/settings/config/groups/g399', {
    ...(await formOf(admin)),
    ...group,
    name: 'g399',
    others: '10.9.9.0/24',
  });
  assert.equal(edited.status, 303);
  const saved = ((await fileJson()).deploy as { groups: { name: string; members: string[] }[] }).groups;
  assert.equal(saved.length, 400);
  assert.deepEqual(saved[399]!.members, ['10.9.9.0/24']);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).site.name, 'Branch 7');
});
