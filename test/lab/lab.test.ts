/** The simulated site: comes up reachable from the appliance namespace, names unique, down leaves nothing. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { createLab, destroyLab, type Lab, listLabs } from '../../scripts/lab/lab.js';
import { labUnavailableReason, listNamespaces, namespacePids } from '../../scripts/lab/netns.js';
import { planLab } from '../../scripts/lab/spec.js';

const skip = labUnavailableReason();
const uniqueName = (): string => `t${randomBytes(4).toString('hex')}`;

describe('lab plan', () => {
  it('derives deterministic, distinct namespaces, addresses and MACs', () => {
    const plan = planLab({ name: 'abc', hosts: [{ kind: 'ping' }, { kind: 'silent', label: 'quiet' }] });
    assert.equal(
      planLab({ name: 'abc', hosts: [{ kind: 'ping' }, { kind: 'silent', label: 'quiet' }] }).hosts[1]?.mac,
      plan.hosts[1]?.mac,
    );
    assert.deepEqual(
      plan.hosts.map((h) => h.ns),
      ['pdl-abc-h0', 'pdl-abc-quiet'],
    );
    assert.equal(new Set(plan.hosts.map((h) => h.mac)).size, 2);
    assert.match(plan.subnet, /^10\.213\.\d+\.0\/24$/);
    assert.equal(plan.hosts[1]?.ping, false);
  });

  it('rejects bad names, reserved labels and clashing addresses', () => {
    assert.throws(() => planLab({ name: 'Bad-Name', hosts: [] }), /lowercase/);
    assert.throws(() => planLab({ name: 'x', hosts: [{ kind: 'ping', label: 'app' }] }), /reserved/);
    assert.throws(() => planLab({ name: 'x', hosts: [{ kind: 'ping', octet: 1 }] }), /already taken/);
    assert.throws(() => planLab({ name: 'x', hosts: [{ kind: 'ping', mac: 'zz' }] }), /MAC/);
  });
});

describe('lab bring-up and tear-down', { skip }, () => {
  const labs: Lab[] = [];
  after(async () => {
    for (const lab of labs) await lab.down();
  });

  it('brings up two labs side by side, each reachable only from its own appliance namespace', async () => {
    const a = await createLab({
      name: uniqueName(),
      hosts: [
        { kind: 'ping' },
        { kind: 'ports', tcp: [{ port: 2222, banner: 'SSH-2.0-lab' }] },
        { kind: 'silent' },
      ],
    });
    labs.push(a);
    const b = await createLab({ name: uniqueName(), hosts: [{ kind: 'ping' }], subnetOctet: 1 });
    labs.push(b);
    const names = [a.applianceNs, b.applianceNs, ...a.hosts.map((h) => h.ns), ...b.hosts.map((h) => h.ns)];
    assert.equal(new Set(names).size, names.length, 'namespace names are unique');
    const present = listNamespaces();
    for (const ns of names) assert.ok(present.includes(ns), `${ns} exists`);

    const [ping, ports, silent] = a.hosts;
    await a.exec(a.applianceNs, ['ping', '-c', '1', '-W', '2', ping!.ip]);
    const banner = await a.exec(a.applianceNs, [
      process.execPath,
      '-e',
      `require('net').connect(2222, '${ports!.ip}').once('data', (d) => { process.stdout.write(d); process.exit(0); })`,
    ]);
    assert.match(banner, /^SSH-2\.0-lab/);
    await assert.rejects(
      a.exec(a.applianceNs, ['ping', '-c', '1', '-W', '1', silent!.ip]),
      'silent host ignores ping',
    );
    // The silent host still answers ARP (like a firewalled PC) with its deterministic MAC.
    const neigh = await a.exec(a.applianceNs, ['ip', 'neigh', 'show', silent!.ip]);
    assert.match(neigh, new RegExp(silent!.mac));
    // No route leaves the lab: the appliance namespace has no default route.
    const routes = await a.exec(a.applianceNs, ['ip', 'route', 'show', 'default']);
    assert.equal(routes.trim(), '');
    assert.ok(listLabs().some((l) => l.name === a.name && l.hosts?.length === 3));
  });

  it('refuses a name in use, replaces on request, and down removes everything, including host processes', async () => {
    const spec = { name: uniqueName(), hosts: [{ kind: 'ports' as const, tcp: [{ port: 8080 }] }] };
    await createLab(spec);
    await assert.rejects(createLab(spec), /already exists .* and may be in use/);
    const lab = await createLab(spec, { replace: true });
    assert.equal(listNamespaces().filter((ns) => ns.startsWith(`pdl-${spec.name}-`)).length, 3);
    const pids = namespacePids(lab.hosts[0]!.ns);
    assert.ok(pids.length > 0, 'the port-open host runs a listener process');
    await lab.down();
    // Killed processes may linger as zombies until their parent (this test) reaps them.
    const alive = (pid: number): boolean => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    assert.deepEqual(pids.filter(alive), [], 'listener processes are gone');
    assert.deepEqual(
      listNamespaces().filter((ns) => ns.startsWith(`pdl-${spec.name}-`)),
      [],
    );
    assert.equal(await destroyLab(spec.name), 0, 'a second down finds nothing');
    assert.ok(!listLabs().some((l) => l.name === spec.name));
  });
});

if (skip) console.log(`# lab tests skipped: ${skip}`);
