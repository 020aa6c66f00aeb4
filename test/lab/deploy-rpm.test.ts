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
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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
import { DeploySite } from './helpers/deploy-site.js';

const rpmTools = ['rpmbuild', 'createrepo_c', 'dnf'].filter((t) => !hasCommand(t));
const skip =
  labUnavailableReason() ??
  managedHostsUnavailableReason() ??
  (rpmTools.length ? `rpm lab hosts need ${rpmTools.join(', ')} (rpm, createrepo-c, dnf)` : undefined);
const LIB = RPM_PACKAGES.find((p) => p.name === 'pdlab-rlib')!;
const WEB = RPM_PACKAGES.find((p) => p.name === 'pdlab-rweb')!;
const LABELS = ['rocky', 'rockyfail'];
/** The OSV record's own id (RLSA-...), as Patches lists it. */
const ADVISORY = rpmAdvisoryId(WEB);

describe('deployments to rpm hosts (dnf) on the simulated site', { skip, timeout: 600_000 }, () => {
  let lab: Lab;
  let dir: string;
  let site: DeploySite;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-lab-deploy-rpm-'));
    const dataDir = join(dir, 'data');
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
    site = new DeploySite(lab, dir, dataDir);
    const config = labDaemonConfig(lab, [
      { name: 'pilot', ring: 0, labels: ['rocky'] },
      { name: 'office', ring: 1, labels: ['rockyfail'] },
    ]);
    await site.open(config, LABELS, 'lab-vendor-osv');
    const { ui } = site;
    const planned = async () =>
      (await ui.text(`/deployments/new?advisory=${ADVISORY}`)).includes('Plan: 2 hosts to change');
    await waitFor(planned, 'both rpm hosts assessed as missing the pdlab-rweb fix', 180_000).catch(
      async (err: Error) => {
        const page = await ui.text(`/deployments/new?advisory=${ADVISORY}`);
        const host = await ui.text(`/hosts/${site.hostIds.get('rocky')}`);
        const text = (html: string) =>
          html
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .slice(0, 3000);
        const log = site.daemon?.tail().slice(-4000) ?? '';
        throw new Error(`${err.message}\n${text(page)}\n--- rocky:\n${text(host)}\n--- daemon:\n${log}`);
      },
    );
  });
  after(async () => {
    await site?.close();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The version in the host's own rpm database, as rpm itself reports it. */
  const version = (label: string, pkg: string): Promise<string> =>
    lab.execInHost(label, ['rpm', '--dbpath', RPM_DBPATH, '-q', '--qf', '%{VERSION}-%{RELEASE}', pkg]);

  it('the pilot upgrades with dnf through the cache and is verified by rpm -qa; a failing %post halts ring 1', async () => {
    const wanBefore = await lab.wanCounters();
    const id = await site.createAndRun({ advisory: ADVISORY, title: 'pdlab-rweb on EL9' });
    const stopped = async () => ['halted', 'completed'].includes((await site.record(id)).state);
    try {
      await waitFor(stopped, 'the deployment to stop', 300_000);
    } catch (err) {
      const hosts = (await site.record(id)).hosts.map((h) => ({ ...h, change: undefined }));
      throw new Error(`${(err as Error).message}\n${JSON.stringify(hosts, null, 1).slice(0, 20_000)}`);
    }
    const d = await site.record(id);
    const pilot = site.hostOf(d, 'rocky');
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

    const failed = site.hostOf(d, 'rockyfail');
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
