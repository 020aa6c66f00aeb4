/**
 * Host groups whose members are machines, against the real daemon (its host directory, assessment
 * and deployment service; only the hosts' SSH side is a fake): a technician picks two hosts for the
 * pilot from the editor's list, DHCP moves one of them into another group's subnet, and the next
 * deployment still plans it in the pilot. Groups apply to the next deployment without a restart;
 * a deployment already planned keeps its placement and policy. Nothing here touches the network.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HIGH, type HttpBrowser, httpBrowser, startDeployApp } from './deploy-app.js';

const MAC = (i: number) => `02:00:00:00:00:0${i}`;

/** The groups form's CSRF token and the settings file's version, as the page carries them. */
const formOf = async (b: HttpBrowser) => {
  const page = await (await b.request('/settings/config')).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const version = /name="version" value="([^"]+)"/.exec(page)?.[1] ?? '';
  return { _csrf: csrf, version };
};

const saveGroup = async (b: HttpBrowser, path: string, fields: Record<string, string | string[]>) => {
  const res = await b.post(path, { ...(await formOf(b)), window: '', ...fields });
  assert.equal(res.status, 303, await res.text());
};

test('a pilot of two picked hosts keeps a host DHCP moved; new plans use the groups at once, planned ones keep theirs', {
  timeout: 120_000,
}, async (t) => {
  const s = await startDeployApp(t, { hosts: ['10.0.5.21', '10.0.5.22', '10.0.5.23'] });
  const hosts = s.app.hosts!;
  // The three machines as a scan sees them (MAC and address): the directory's own records.
  await hosts.directory.fold(
    [21, 22, 23].map((n, i) => ({ id: `m-${MAC(i + 1)}`, mac: MAC(i + 1), ip: `10.0.5.${n}` })),
  );
  const idAt = (address: string) => hosts.byAddress(address)!.id;
  const [a, b2, c] = [idAt('10.0.5.21'), idAt('10.0.5.22'), idAt('10.0.5.23')];
  const b = await httpBrowser(s.url, s.dataDir);
  const fileGroups = async () =>
    (JSON.parse(await readFile(join(s.dataDir, 'config.json'), 'utf8')) as { deploy: { groups: unknown[] } })
      .deploy.groups;

  // The editor offers the machines, by name and as `host:<id>`; addresses are no choice there.
  const editor = await (await b.request('/settings/config#groups')).text();
  for (const id of [a, b2, c]) assert.match(editor, new RegExp(`name="hosts" value="host:${id}"`));
  assert.doesNotMatch(editor, /name="hosts" value="10\./);

  await saveGroup(b, '/settings/config/groups', {
    name: 'office',
    ring: '1',
    others: '10.0.0.0/24',
    reboot: 'if-required',
  });
  await saveGroup(b, '/settings/config/groups', {
    name: 'pilot',
    ring: '0',
    hosts: [`host:${a}`, `host:${b2}`],
    others: '',
    reboot: 'never',
  });
  assert.deepEqual((await fileGroups())[1], {
    name: 'pilot',
    ring: 0,
    members: [`host:${a}`, `host:${b2}`],
    reboot: 'never',
  });
  const saved = await (await b.request('/settings/config?saved=groups')).text();
  assert.doesNotMatch(saved, /Restart needed/, 'host groups ask no restart');
  assert.match(
    saved,
    /<td>pilot<\/td><td class="num">0<\/td><td class="wrap">10\.0\.5\.21, 10\.0\.5\.22<\/td>/,
  );

  const plan = async () => {
    const res = await b.post('/deployments', { _csrf: await b.csrf('/deployments/new'), advisory: HIGH });
    assert.equal(res.status, 303, await res.text());
    const id = /\/deployments\/(dep-[^?]+)/.exec(res.headers.get('location') ?? '')![1]!;
    const d = await s.app.deploy!.get(id);
    return { d, at: (hostId: string) => d.hosts.find((h) => h.hostId === hostId)?.group };
  };
  const first = await plan();
  assert.deepEqual([first.at(a), first.at(b2), first.at(c)], ['pilot', 'pilot', 'default']);

  // DHCP gives the first pilot host an address in the office subnet: it stays in the pilot.
  const moves = await hosts.directory.fold([{ id: `m-${MAC(1)}`, mac: MAC(1), ip: '10.0.0.99' }]);
  assert.deepEqual(moves, [{ hostId: a, from: '10.0.5.21', to: '10.0.0.99' }]);
  const preview = await (await b.request(`/deployments/new?advisory=${HIGH}`)).text();
  assert.match(preview, /10\.0\.0\.99<\/a>(?:(?!<\/tr>).)*pilot \/ ring 0/s);
  const second = await plan();
  assert.deepEqual(
    second.d.hosts.map((h) => [h.hostId, h.group, h.ring]).sort(),
    [
      [a, 'pilot', 0],
      [b2, 'pilot', 0],
      [c, 'default', 2],
    ].sort(),
  );

  // The pilot changes (one host, reboots always): the next plan uses it at once, the planned keep theirs.
  await saveGroup(b, '/settings/config/groups/pilot', {
    name: 'pilot',
    ring: '0',
    hosts: [`host:${a}`],
    others: '',
    reboot: 'always',
  });
  const third = await plan();
  assert.deepEqual([third.at(a), third.at(b2)], ['pilot', 'default']);
  assert.equal(third.d.policy.reboot.pilot, 'always');
  const kept = await s.app.deploy!.get(second.d.id);
  assert.equal(kept.hosts.find((h) => h.hostId === b2)?.group, 'pilot');
  assert.equal(kept.policy.reboot.pilot, 'never');
  assert.deepEqual(kept.policy, second.d.policy);

  // Written by hand: a host id no directory knows is kept and shown as such, not dropped.
  const raw = JSON.parse(await readFile(join(s.dataDir, 'config.json'), 'utf8'));
  raw.deploy.groups[1].members.push('host:h-00000000ff');
  await writeFile(join(s.dataDir, 'config.json'), JSON.stringify(raw, null, 2));
  const page = await (await b.request('/settings/config?group=pilot')).text();
  assert.match(page, /10\.0\.0\.99, h-00000000ff \(not a known host\)/);
  assert.match(page, /value="host:h-00000000ff" checked=""\/> h-00000000ff/);
  assert.doesNotMatch(page, /Restart needed/);
  const fourth = await plan();
  assert.deepEqual([fourth.at(a), fourth.at(b2)], ['pilot', 'default']);
});
