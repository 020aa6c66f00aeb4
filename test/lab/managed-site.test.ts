/**
 * The simulated site's managed machines: each lab host runs sshd as PID 1 of its own PID namespace
 * over its own overlay root, and upgrades from the lab vendor's signed repository through the
 * appliance's cache proxy (the real daemon), across the simulated WAN. Only that host changes; the
 * WAN counters see the bytes; the awkward hosts misbehave as designed; `down` leaves nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { managedHostsUnavailableReason } from '../../scripts/lab/managed-host.js';
import { HOST_RUN } from '../../scripts/lab/managed-scripts.js';
import { labUnavailableReason, listNamespaces } from '../../scripts/lab/netns.js';
import { labPrefix } from '../../scripts/lab/spec.js';
import { waitFor } from '../support/wait-for.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';
import { labSsh, type SshResult, sendMagicPacket, sshKeyPair } from './helpers/lab-ssh.js';

const skip = labUnavailableReason() ?? managedHostsUnavailableReason();
const DPKG_STATUS = '/var/lib/dpkg/status';
const fileHash = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('managed lab hosts behind the appliance cache and a simulated WAN', {
  skip,
  timeout: 300_000,
}, () => {
  let lab: Lab;
  let dir: string;
  let daemon: Background | undefined;
  let ssh: (label: string, command: string) => Promise<SshResult>;
  let apt: string;
  let key: { privateKey: string; publicKey: string };
  const machineStatus = skip ? '' : fileHash(DPKG_STATUS);
  const name = `pdl${randomBytes(4).toString('hex')}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-lab-managed-'));
    key = await sshKeyPair(dir);
    lab = await createLab({
      name,
      vendor: { payloadBytes: 256 * 1024, latencyMs: 20 },
      authorizedKeys: [key.publicKey],
      hosts: [
        { kind: 'ping', label: 'a', managed: true },
        { kind: 'ping', label: 'b', managed: true },
        { kind: 'ping', label: 'broken', managed: { failPostinst: true } },
        { kind: 'ping', label: 'locked', managed: { lockSeconds: 3600 } },
        { kind: 'ping', label: 'kernel', managed: { needsReboot: true } },
        { kind: 'ping', label: 'sleepy', managed: { asleep: true } },
      ],
    });
    const dataDir = join(dir, 'data');
    const { repoUrl } = lab.vendorInfo();
    await mkdir(dataDir, { recursive: true });
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({
        cache: { upstreams: [`${repoUrl}/`], proxy: { host: lab.applianceIp, port: 3142 } },
        discovery: { schedule: false },
      }),
    );
    daemon = await startInNamespace(lab.applianceNs, ['daemon/main.ts', 'serve'], /"msg":"listening"/, {
      PATCH_DEPOT_DATA_DIR: dataDir,
      PATCH_DEPOT_HOST: '127.0.0.1',
      PATCH_DEPOT_LOG_FORMAT: 'json',
    });
    ssh = (label, command) => labSsh(lab.applianceNs, key.privateKey, lab.host(label).ip, command);
    apt = `DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Acquire::http::Proxy=${lab.proxyUrl(3142)}`;
  });
  after(async () => {
    await daemon?.stop();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const version = async (label: string, pkg: string): Promise<string> =>
    (await ssh(label, `dpkg-query -W -f '\${Version}' ${pkg}`)).stdout;
  const ok = (r: SshResult, what: string): SshResult => {
    assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
    return r;
  };

  it('upgrades one host from the signed vendor repo through the cache; only that host changes', async (t) => {
    const before = await lab.wanCounters();
    ok(await ssh('a', `${apt} update`), 'apt-get update');
    const dry = ok(await ssh('a', `${apt} -s install --only-upgrade pdlab-web=2.4-1+lab1`), 'dry run');
    assert.match(
      dry.stdout,
      /Inst pdlab-libssl \[1\.0-1\] \(1\.0-2 /,
      'the dry run shows the extra dependency',
    );
    ok(await ssh('a', `${apt} install --only-upgrade pdlab-web=2.4-1+lab1`), 'apt-get install');
    assert.equal(await version('a', 'pdlab-web'), '2.4-1+lab1');
    assert.equal(await version('a', 'pdlab-libssl'), '1.0-2');
    assert.equal(await version('b', 'pdlab-web'), '2.4-1', 'another host keeps the old version');
    assert.equal(fileHash(DPKG_STATUS), machineStatus, "this machine's own dpkg status is untouched");
    assert.match(await lab.execInHost('a', ['cat', '/etc/hostname']), /^a$/m);

    const { repo } = lab.vendorInfo();
    const debs = (repo.debSizes['pdlab-web'] ?? 0) + (repo.debSizes['pdlab-libssl'] ?? 0);
    const first = await lab.wanCounters();
    assert.ok(first.txBytes - before.txBytes >= debs, `the WAN carried both .debs (${debs} bytes)`);
    assert.ok(first.rxBytes > before.rxBytes, 'and the requests the other way');

    ok(await ssh('b', `${apt} update`), 'apt-get update on b');
    ok(await ssh('b', `${apt} install --only-upgrade pdlab-web=2.4-1+lab1`), 'apt-get install on b');
    assert.equal(await version('b', 'pdlab-web'), '2.4-1+lab1');
    const second = await lab.wanCounters();
    t.diagnostic(
      `WAN bytes to the site: first host ${first.txBytes - before.txBytes}, second ${second.txBytes - first.txBytes} (.debs ${debs})`,
    );
    assert.ok(
      second.txBytes - first.txBytes < debs / 4,
      `the second host is served from the cache: ${second.txBytes - first.txBytes} bytes across the WAN`,
    );
  });

  it('a failing postinst fails the upgrade on that host only', async () => {
    ok(await ssh('broken', `${apt} update`), 'apt-get update');
    const r = await ssh('broken', `${apt} install --only-upgrade pdlab-tools=0.9-2`);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /postinst fails on this host/);
    assert.match((await ssh('broken', 'dpkg --audit')).stdout, /pdlab-tools/, 'dpkg --audit names it');
  });

  it('a held dpkg lock blocks apt, which then succeeds once the lock is released', async () => {
    ok(await ssh('locked', `${apt} update`), 'apt-get update');
    ok(await ssh('locked', `test -s ${HOST_RUN}/lock-holder.pid`), 'the boot-time lock holder runs');
    let out = '';
    let exited = false;
    const install = labSsh(
      lab.applianceNs,
      key.privateKey,
      lab.host('locked').ip,
      `${apt} -o DPkg::Lock::Timeout=120 install --only-upgrade pdlab-tools=0.9-2`,
      (chunk) => {
        out += chunk;
      },
    );
    void install.finally(() => {
      exited = true;
    });
    await waitFor(
      () => {
        if (exited) assert.fail(`apt-get ended before it waited for the lock:\n${out}`);
        return /Waiting for cache lock/.test(out);
      },
      'apt to wait for the dpkg lock',
      60_000,
    );
    assert.equal(await version('locked', 'pdlab-tools'), '0.9-1', 'nothing installed while the lock is held');
    assert.equal(await lab.releaseDpkgLock('locked'), 'released');
    ok(await install, 'apt-get install after the lock was released');
    assert.equal(await version('locked', 'pdlab-tools'), '0.9-2');
  });

  it('the reboot shim restarts only that host: a new boot id, sshd back, the upgrade kept', async () => {
    const bootId = ok(await ssh('kernel', 'cat /proc/sys/kernel/random/boot_id'), 'boot id').stdout.trim();
    const aBoot = (await ssh('a', 'cat /proc/sys/kernel/random/boot_id')).stdout.trim();
    ok(await ssh('kernel', `${apt} update`), 'apt-get update');
    ok(await ssh('kernel', `${apt} install --only-upgrade pdlab-tools=0.9-2`), 'install');
    ok(await ssh('kernel', 'test -e /var/run/reboot-required'), 'the upgrade asks for a reboot');
    ok(await ssh('kernel', 'reboot'), 'reboot');
    let now = bootId;
    await waitFor(
      async () => {
        const r = await ssh('kernel', 'cat /proc/sys/kernel/random/boot_id');
        now = r.code === 0 ? r.stdout.trim() : now;
        return now !== bootId;
      },
      'the host to come back with a new boot id',
      60_000,
    );
    assert.match(now, /^[0-9a-f-]{36}$/);
    assert.equal(await version('kernel', 'pdlab-tools'), '0.9-2', 'installed packages persist');
    assert.notEqual((await ssh('kernel', 'test -e /var/run/reboot-required')).code, 0, '/run is fresh');
    assert.equal(
      (await ssh('a', 'cat /proc/sys/kernel/random/boot_id')).stdout.trim(),
      aBoot,
      'a did not reboot',
    );
  });

  it('the sleeping host answers only after a Wake-on-LAN packet to the subnet broadcast', async () => {
    const sleepy = lab.host('sleepy');
    assert.equal(lab.managedState('sleepy').state, 'asleep');
    assert.notEqual((await ssh('sleepy', 'true')).code, 0, 'no SSH while asleep');
    await sendMagicPacket(lab.applianceNs, lab.host('a').mac, lab.subnet);
    await waitFor(() => /ignored a packet/.test(lab.managedConsole('sleepy')), 'the listener to see it');
    assert.equal(lab.managedState('sleepy').state, 'asleep', "another machine's packet does not wake it");
    await sendMagicPacket(lab.applianceNs, sleepy.mac, lab.subnet);
    await waitFor(async () => (await ssh('sleepy', 'true')).code === 0, 'SSH after the magic packet', 60_000);
    assert.equal(await version('sleepy', 'pdlab-libssl'), '1.0-1');
  });

  it('down removes every namespace, mount, process and file of the lab', async () => {
    await daemon?.stop();
    daemon = undefined;
    await lab.down();
    assert.deepEqual(
      listNamespaces().filter((ns) => ns.startsWith(labPrefix(name))),
      [],
    );
    const mounted = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/mountinfo`, 'utf8').includes(lab.workDir);
        } catch {
          return false;
        }
      });
    assert.deepEqual(mounted, [], 'no process still mounts the lab');
    assert.equal(existsSync(lab.workDir), false);
  });
});

if (skip) console.log(`# managed lab hosts skipped: ${skip}`);
