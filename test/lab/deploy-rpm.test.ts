/**
 * Deployments to rpm hosts end to end: the real daemon in the appliance namespace, managed lab
 * hosts that stand in for Rocky Linux 9 (os-release, an rpm database, dnf 4; scripts/lab/
 * managed-rpm.ts), the vendor's rpm repository (rpmbuild, createrepo_c) behind the simulated
 * WAN, its OSV feed. The pilot's advisory is planned from the OSV feed, dry-run with
 * `dnf --assumeno`, installed with `dnf -y upgrade name-version-release` through the appliance's
 * cache (`--setopt=proxy=`), and proven by re-inventory (`rpm -qa`); the next ring's host, whose
 * %post fails, ends failed with dnf's own words and halts the promotion.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from '../../daemon/deploy/deployment.js';
import { labDaemonConfig } from '../../scripts/lab/daemon-config.js';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { managedHostsUnavailableReason } from '../../scripts/lab/managed-host.js';
import { RPM_DBPATH } from '../../scripts/lab/managed-rpm.js';
import { hasCommand, labUnavailableReason } from '../../scripts/lab/netns.js';
import { RPM_PACKAGES, rpmAdvisoryId } from '../../scripts/lab/vendor-rpm.js';
import { waitFor } from '../support/wait-for.js';
import { daemonPublicKey } from './helpers/daemon-key.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';
import { scanFromAssets, type UiClient, uiClient } from './helpers/ui-client.js';

const rpmTools = ['rpmbuild', 'createrepo_c', 'dnf'].filter((t) => !hasCommand(t));
const skip =
  labUnavailableReason() ??
  managedHostsUnavailableReason() ??
  (rpmTools.length ? `rpm lab hosts need ${rpmTools.join(', ')} (rpm, createrepo-c, dnf)` : undefined);
const UI_PORT = 8080;
const LIB = RPM_PACKAGES.find((p) => p.name === 'pdlab-rlib')!;
const WEB = RPM_PACKAGES.find((p) => p.name === 'pdlab-rweb')!;
const LABELS = ['rocky', 'rockyfail'];
/** The OSV record's own id (RLSA-...), as Patches lists it. */
const ADVISORY = rpmAdvisoryId(WEB);

describe('deployments to rpm hosts (dnf) on the simulated site', { skip, timeout: 600_000 }, () => {
  let lab: Lab;
  let dir: string;
  let dataDir: string;
  let daemon: Background | undefined;
  let bridge: Background | undefined;
  let ui: UiClient;
  let csrf = '';
  const hostIds = new Map<string, string>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-lab-deploy-rpm-'));
    dataDir = join(dir, 'data');
    await mkdir(dataDir, { recursive: true });
    lab = await createLab({
      name: `pr${randomBytes(4).toString('hex')}`,
      vendor: { payloadBytes: 64 * 1024, latencyMs: 10 },
      authorizedKeys: [await daemonPublicKey(dataDir)],
      hosts: [
        { kind: 'ping', label: 'rocky', managed: { rpm: true } },
        { kind: 'ping', label: 'rockyfail', managed: { rpm: true, failPostinst: true } },
      ],
    });
    const config = labDaemonConfig(lab, [
      { name: 'pilot', ring: 0, labels: ['rocky'] },
      { name: 'office', ring: 1, labels: ['rockyfail'] },
    ]);
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ ...config, discovery: { schedule: false } }),
    );
    daemon = await startInNamespace(lab.applianceNs, ['daemon/main.ts', 'serve'], /"msg":"listening"/, {
      PATCH_DEPOT_DATA_DIR: dataDir,
      PATCH_DEPOT_HOST: '127.0.0.1',
      PATCH_DEPOT_PORT: String(UI_PORT),
      PATCH_DEPOT_LOG_FORMAT: 'json',
    });
    const socket = join(dir, 'ui.sock');
    const args = ['scripts/unix-bridge.ts', 'listen-unix', socket, 'connect-tcp', `127.0.0.1:${UI_PORT}`];
    bridge = await startInNamespace(lab.applianceNs, args, /ready/);
    ui = uiClient(socket);
    csrf = await ui.setUp(dataDir);
    const scope = { _csrf: csrf, name: 'Lab', include: lab.subnet };
    assert.equal((await ui.post('/settings/scopes', scope)).status, 303);
    await scanFromAssets(ui, csrf);
    for (const label of LABELS) {
      const href = (await ui.request(`/assets/${lab.host(label).ip}`)).headers.get('location') ?? '';
      assert.match(href, /^\/hosts\/h-/, `the scan found ${label}`);
      hostIds.set(label, href.slice('/hosts/'.length));
      const form = { _csrf: csrf, address: lab.host(label).ip, username: 'root', port: '22' };
      assert.equal((await ui.post(`${href}/manage`, form)).status, 303);
    }
    assert.equal((await ui.post('/inventory/collect', { _csrf: csrf })).status, 303);
    const sync = { _csrf: csrf, feed: 'lab-vendor-osv' };
    assert.equal((await ui.post('/patches/feeds/sync', sync)).status, 303);
    const planned = async () =>
      (await ui.text(`/deployments/new?advisory=${ADVISORY}`)).includes('Plan: 2 hosts to change');
    await waitFor(planned, 'both rpm hosts assessed as missing the pdlab-rweb fix', 180_000).catch(
      async (err: Error) => {
        const page = await ui.text(`/deployments/new?advisory=${ADVISORY}`);
        const host = await ui.text(`/hosts/${hostIds.get('rocky')}`);
        const text = (html: string) =>
          html
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .slice(0, 3000);
        const log = daemon?.tail().slice(-4000) ?? '';
        throw new Error(`${err.message}\n${text(page)}\n--- rocky:\n${text(host)}\n--- daemon:\n${log}`);
      },
    );
  });
  after(async () => {
    await ui?.close();
    await bridge?.stop();
    await daemon?.stop();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const record = (id: string): Deployment =>
    JSON.parse(readFileSync(join(dataDir, 'deploy', 'deployments', `${id}.json`), 'utf8')) as Deployment;
  const hostOf = (d: Deployment, label: string) => d.hosts.find((h) => h.hostId === hostIds.get(label));
  /** The version in the host's own rpm database, as rpm itself reports it. */
  const version = (label: string, pkg: string): Promise<string> =>
    lab.execInHost(label, ['rpm', '--dbpath', RPM_DBPATH, '-q', '--qf', '%{VERSION}-%{RELEASE}', pkg]);

  it('the pilot upgrades with dnf through the cache and is verified by rpm -qa; a failing %post halts ring 1', async () => {
    const body = new URLSearchParams({ _csrf: csrf, advisory: ADVISORY, title: 'pdlab-rweb on EL9' });
    const created = await ui.request('/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    assert.equal(created.status, 303, await created.text());
    const href = (created.headers.get('location') ?? '').split('?')[0]!;
    const id = decodeURIComponent(href.split('/')[2] ?? '');
    const approve = { _csrf: csrf, kind: 'advisory', value: ADVISORY };
    assert.equal((await ui.post(`${href}/approve`, approve)).status, 303);
    const wanBefore = await lab.wanCounters();
    assert.equal((await ui.post(`${href}/run`, { _csrf: csrf, now: '1' })).status, 303);
    try {
      await waitFor(
        () => ['halted', 'completed'].includes(record(id).state),
        'the deployment to stop',
        300_000,
      );
    } catch (err) {
      const hosts = record(id).hosts.map((h) => ({ ...h, change: undefined }));
      throw new Error(`${(err as Error).message}\n${JSON.stringify(hosts, null, 1).slice(0, 20_000)}`);
    }
    const d = record(id);
    const pilot = hostOf(d, 'rocky');
    const shown = (steps: Deployment['hosts'][number]['steps'] = []) =>
      steps.map((s) => `$ ${s.command}\n${s.stdout}\n${s.stderr}\nexit ${s.exitCode}`).join('\n');
    assert.equal(
      pilot?.outcome,
      'verified',
      `${pilot?.outcome} ${pilot?.reason ?? ''}\n${shown(pilot?.steps)}`,
    );
    assert.equal(await version('rocky', WEB.name), WEB.fixedVersion, 'the pilot runs the fix');
    assert.equal(await version('rocky', LIB.name), LIB.fixedVersion, 'with the dependency dnf pulled in');

    const steps = pilot?.steps ?? [];
    const dry = steps.find((s) => s.step === 'dry-run');
    assert.match(dry?.command ?? '', /'\/usr\/bin\/dnf' '--assumeno'/);
    assert.equal(dry?.exitCode, 1, '--assumeno ends in "Operation aborted." with exit 1');
    assert.match(
      dry?.stdout ?? '',
      /Upgrading:\n pdlab-rlib +noarch +1\.0-2 .*\n pdlab-rweb +noarch +2\.4-3 /,
    );
    const install = steps.find((s) => s.step === 'install');
    const proxy = `--setopt=proxy=${lab.proxyUrl()}/`;
    assert.ok(install?.command.includes(proxy), `${install?.command} passes ${proxy}`);
    assert.match(install?.command ?? '', /'pdlab-rweb-2\.4-3'/);
    assert.match(install?.stdout ?? '', /Complete!/);

    const failed = hostOf(d, 'rockyfail');
    assert.equal(failed?.outcome, 'failed');
    assert.match(failed?.reason ?? '', /POSTIN scriptlet of pdlab-r\S+ failed/);
    assert.equal(d.state, 'halted', 'the failure halts the promotion');

    // Through the cache: the packages crossed the WAN once, not once per host.
    const { repo } = lab.vendorInfo();
    const rpms = (repo.rpm?.rpmSizes[WEB.name] ?? 0) + (repo.rpm?.rpmSizes[LIB.name] ?? 0);
    const wan = (await lab.wanCounters()).txBytes - wanBefore.txBytes;
    assert.ok(wan < rpms * 1.5, `WAN carried ${wan} bytes for ${rpms} bytes of rpms to 2 hosts`);
  });
});

if (skip) console.log(`# rpm deployment lab test skipped: ${skip}`);
