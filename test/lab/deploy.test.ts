/**
 * Deployments end to end on the simulated site, with the real daemon in the appliance namespace
 * and real managed hosts (sshd as PID 1, apt, dpkg) upgrading from the lab vendor's signed
 * repository through the appliance's cache across the simulated WAN:
 * - ring 0 installs and is proven by re-inventory; a held dpkg lock is waited out; a host that
 *   was powered off is woken by Wake-on-LAN (its MAC from the scan) and then patched;
 * - ring 1's failing postinst fails that host and halts the promotion: ring 2 never starts;
 * - the daemon killed with SIGKILL while an install runs: restarted, it finishes the deployment
 *   and no host installs the package twice, counted from each host's own /var/log/dpkg.log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from '../../daemon/deploy/deployment.js';
import { labDaemonConfig } from '../../scripts/lab/daemon-config.js';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { managedHostsUnavailableReason } from '../../scripts/lab/managed-host.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { VENDOR_PACKAGES } from '../../scripts/lab/vendor-repo.js';
import { waitFor } from '../support/wait-for.js';
import { daemonPublicKey } from './helpers/daemon-key.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';
import { scanFromAssets, type UiClient, uiClient } from './helpers/ui-client.js';

// Run on its own (npm run test:deploy-lab): under the load of the whole suite it has stalled
// in SSH steps (see the README's Tests section); a timeout prints the hosts' states and the log.
const skip = labUnavailableReason() ?? managedHostsUnavailableReason();
const UI_PORT = 8080;
const fixOf = (name: string) => VENDOR_PACKAGES.find((p) => p.name === name)!;
const WEB = fixOf('pdlab-web');
const TOOLS = fixOf('pdlab-tools');
const RING0 = ['pilot', 'locked', 'sleepy'];

describe('deployments on the simulated site, with the real daemon', { skip, timeout: 900_000 }, () => {
  let lab: Lab;
  let dir: string;
  let dataDir: string;
  let daemon: Background | undefined;
  let bridge: Background | undefined;
  let ui: UiClient;
  let csrf = '';
  const hostIds = new Map<string, string>();

  const startDaemon = async (): Promise<Background> =>
    startInNamespace(lab.applianceNs, ['daemon/main.ts', 'serve'], /"msg":"listening"/, {
      PATCH_DEPOT_DATA_DIR: dataDir,
      PATCH_DEPOT_HOST: '127.0.0.1',
      PATCH_DEPOT_PORT: String(UI_PORT),
      PATCH_DEPOT_LOG_FORMAT: 'json',
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-lab-deploy-'));
    dataDir = join(dir, 'data');
    await mkdir(dataDir, { recursive: true });
    const publicKey = await daemonPublicKey(dataDir);
    lab = await createLab({
      name: `pdd${randomBytes(4).toString('hex')}`,
      vendor: { payloadBytes: 128 * 1024, latencyMs: 10 },
      authorizedKeys: [publicKey],
      hosts: [
        { kind: 'ping', label: 'pilot', managed: true },
        { kind: 'ping', label: 'locked', managed: true },
        { kind: 'ping', label: 'sleepy', managed: true },
        { kind: 'ping', label: 'broken', managed: { failPostinst: true } },
        { kind: 'ping', label: 'outer', managed: true },
      ],
    });
    const config = labDaemonConfig(lab, [
      { name: 'pilot', ring: 0, labels: RING0 },
      { name: 'office', ring: 1, labels: ['broken'] },
      { name: 'back-office', ring: 2, labels: ['outer'] },
    ]);
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ ...config, discovery: { schedule: false } }),
    );
    daemon = await startDaemon();
    // The UI listens on the namespace's loopback; a unix socket (shared filesystem) reaches it.
    const socket = join(dir, 'ui.sock');
    const args = ['scripts/unix-bridge.ts', 'listen-unix', socket, 'connect-tcp', `127.0.0.1:${UI_PORT}`];
    bridge = await startInNamespace(lab.applianceNs, args, /ready/);
    ui = uiClient(socket);
    csrf = await ui.setUp(dataDir);
    assert.equal(
      (await ui.post('/settings/scopes', { _csrf: csrf, name: 'Lab', include: lab.subnet })).status,
      303,
    );
    await scan();
    for (const label of ['pilot', 'locked', 'sleepy', 'broken', 'outer']) {
      const found = await ui.request(`/assets/${lab.host(label).ip}`);
      const href = found.headers.get('location') ?? '';
      assert.match(href, /^\/hosts\/h-/, `the scan found ${label}`);
      hostIds.set(label, href.slice('/hosts/'.length));
      const managed = await ui.post(`${href}/manage`, {
        _csrf: csrf,
        address: lab.host(label).ip,
        username: 'root',
        port: '22',
      });
      assert.equal(managed.status, 303);
    }
    assert.equal((await ui.post('/inventory/collect', { _csrf: csrf })).status, 303);
    assert.equal((await ui.post('/patches/feeds/sync', { _csrf: csrf, feed: 'lab-vendor' })).status, 303);
    await waitFor(
      async () => (await ui.text(`/deployments/new?advisory=${WEB.cve}`)).includes('Plan: 5 hosts to change'),
      'every host assessed as missing the pdlab-web fix',
      180_000,
    );
  });
  after(async () => {
    await ui?.close();
    await bridge?.stop();
    await daemon?.stop();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const scan = (): Promise<void> => scanFromAssets(ui, csrf);

  /** The deployment as the daemon last wrote it (its record file, read as a console would). */
  const record = (id: string): Deployment => {
    const deployDir = join(dataDir, 'deploy', 'deployments');
    const file = readdirSync(deployDir).find((n) => n === `${id}.json`);
    assert.ok(file, `the record of ${id}`);
    return JSON.parse(readFileSync(join(deployDir, file), 'utf8')) as Deployment;
  };
  const hostOf = (d: Deployment, label: string) => d.hosts.find((h) => h.hostId === hostIds.get(label));

  const createAndRun = async (form: Record<string, string | string[]>): Promise<string> => {
    const body = new URLSearchParams({ _csrf: csrf });
    for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
    const created = await ui.request('/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    assert.equal(created.status, 303, await created.text());
    const href = (created.headers.get('location') ?? '').split('?')[0]!;
    const id = decodeURIComponent(href.split('/')[2] ?? '');
    const approve = { _csrf: csrf, kind: 'advisory', value: [form.advisory].flat()[0]! };
    assert.equal((await ui.post(`${href}/approve`, approve)).status, 303);
    assert.equal((await ui.post(`${href}/run`, { _csrf: csrf, now: '1' })).status, 303);
    return id;
  };

  const version = async (label: string, pkg: string): Promise<string> =>
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    lab.execInHost(label, ['dpkg-query', '-W', '-f', '${Version}', pkg]);
  /** How many times dpkg itself installed `pkg` at `version` on the host (its own log). */
  const installs = async (label: string, pkg: string, v: string): Promise<number> => {
    const log = await lab.execInHost(label, ['cat', '/var/log/dpkg.log']);
    return log
      .split('\n')
      .filter((l) => new RegExp(` status installed ${pkg}:\\S+ ${v.replace(/[+.]/g, '\\$&')}$`).test(l))
      .length;
  };
  /** waitFor, but a timeout also shows where the deployment stands and the daemon's last words. */
  const waitOrShow = async (cond: () => boolean | Promise<boolean>, what: string, ms: number, id: string) => {
    try {
      await waitFor(cond, what, ms);
    } catch (err) {
      const hosts = record(id).hosts.map((h) => ({ ...h, change: undefined, steps: undefined }));
      const log = daemon?.tail().slice(-6000) ?? '';
      throw new Error(
        `${(err as Error).message}\n${JSON.stringify(hosts, null, 1)}\n--- daemon log:\n${log}`,
      );
    }
  };
  const aptInstallRunning = async (label: string): Promise<boolean> =>
    /apt-get/.test(await lab.execInHost(label, ['sh', '-c', 'pgrep -af "[a]pt-get -y .*install" || true']));

  it('ring 0 verifies (lock waited out, a powered-off host woken); a failing postinst in ring 1 halts ring 2', async () => {
    await lab.holdDpkgLock('locked', 3600);
    await lab.powerOff('sleepy');
    const wanBefore = await lab.wanCounters();
    const id = await createAndRun({ advisory: WEB.cve, title: 'pdlab-web everywhere' });

    await waitOrShow(
      () => aptInstallRunning('locked'),
      'the install on "locked" to wait for the dpkg lock',
      180_000,
      id,
    );
    assert.equal(
      await version('locked', 'pdlab-web'),
      WEB.oldVersion,
      'nothing installed under the held lock',
    );
    assert.equal(await lab.releaseDpkgLock('locked'), 'released', 'the lock was held until now');

    await waitOrShow(
      () => ['halted', 'completed'].includes(record(id).state),
      'the deployment to stop moving',
      420_000,
      id,
    );
    const d = record(id);
    for (const label of RING0) {
      const h = hostOf(d, label);
      assert.equal(h?.outcome, 'verified', `${label}: ${h?.outcome} ${h?.reason ?? ''}`);
      assert.equal(await version(label, 'pdlab-web'), WEB.fixedVersion, `${label} runs the fix`);
      assert.equal(
        await version(label, 'pdlab-libssl'),
        fixOf('pdlab-libssl').fixedVersion,
        'with its dependency',
      );
    }
    const waited = hostOf(d, 'locked')?.steps.some((st) =>
      /Waiting for cache lock/.test(st.stdout + st.stderr),
    );
    assert.ok(waited, 'apt on "locked" waited for the dpkg lock, then installed');
    assert.match(lab.managedConsole('sleepy'), /woken by /, 'the sleeping host was woken by a magic packet');

    const broken = hostOf(d, 'broken');
    assert.equal(broken?.outcome, 'failed');
    assert.match(broken?.reason ?? '', /post-installation script of pdlab-\S+ failed/);
    assert.equal(d.state, 'halted', 'a failure in ring 1 halts the promotion');
    const outer = hostOf(d, 'outer');
    assert.equal(outer?.outcome, undefined, 'ring 2 never started');
    assert.equal(outer?.startedAt, undefined);
    assert.equal(await version('outer', 'pdlab-web'), WEB.oldVersion);
    assert.equal(await installs('outer', 'pdlab-web', WEB.fixedVersion), 0);

    const page = await ui.text(`/deployments/${encodeURIComponent(id)}`);
    assert.match(page, /post-installation script of pdlab-\S+ failed/, 'the page shows why the host failed');

    // Each .deb crossed the WAN once, whatever the number of hosts that installed it.
    const { repo } = lab.vendorInfo();
    const debs = (repo.debSizes['pdlab-web'] ?? 0) + (repo.debSizes['pdlab-libssl'] ?? 0);
    const wan = (await lab.wanCounters()).txBytes - wanBefore.txBytes;
    assert.ok(wan < debs * 1.5, `WAN carried ${wan} bytes for ${debs} bytes of packages to 4 hosts`);
  });

  it('the daemon killed with SIGKILL mid-install resumes after a restart; no host installs twice', async () => {
    await lab.holdDpkgLock('pilot', 3600);
    const hosts = RING0.map((l) => hostIds.get(l)!);
    const id = await createAndRun({ advisory: TOOLS.cve, host: hosts, title: 'pdlab-tools, ring 0' });
    await waitOrShow(() => aptInstallRunning('pilot'), 'the install on "pilot" to start', 180_000, id);
    assert.equal(
      hostOf(record(id), 'pilot')?.intent?.step,
      'install',
      'the intent is on disk before the install',
    );

    daemon!.child.kill('SIGKILL');
    await daemon!.stop();
    // The orphaned apt-get may still finish once the lock is free: the restarted daemon must see
    // that, not install again.
    assert.equal(await lab.releaseDpkgLock('pilot'), 'released');
    daemon = await startDaemon();

    await waitOrShow(
      () => ['halted', 'completed'].includes(record(id).state),
      'the deployment to finish',
      420_000,
      id,
    );
    const d = record(id);
    assert.equal(d.state, 'completed', JSON.stringify(d.hosts.map((h) => [h.hostId, h.outcome, h.reason])));
    for (const label of RING0) {
      assert.equal(hostOf(d, label)?.outcome, 'verified', label);
      assert.equal(await version(label, 'pdlab-tools'), TOOLS.fixedVersion);
      assert.equal(await installs(label, 'pdlab-tools', TOOLS.fixedVersion), 1, `${label} installed it once`);
    }
  });
});

if (skip) console.log(`# deployment lab test skipped: ${skip}`);
