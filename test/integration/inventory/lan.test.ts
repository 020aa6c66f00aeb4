/**
 * Inventory across a real (simulated) LAN: the lab's namespaces, bridge and veths (scripts/lab).
 * Two lab hosts run sshd on their lab address; a third is silent (drops everything). The CLI runs
 * inside the appliance namespace, as the daemon would on a branch-office network: both hosts are
 * collected and pinned, the silent one fails on its own with a connect timeout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HostDirectory } from '../../../daemon/hosts/host-directory.js';
import { hostInventorySchema } from '../../../daemon/inventory/types.js';
import { CredentialStore } from '../../../daemon/remote/credentials.js';
import { createLab, type Lab } from '../../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../../scripts/lab/netns.js';
import { hostKeyFingerprint, SshdServer, sshdUnavailable } from '../../support/sshd-server.js';

const main = fileURLToPath(new URL('../../../daemon/main.ts', import.meta.url));
const skip = sshdUnavailable() ?? labUnavailableReason();

describe('SSH inventory over the lab LAN', { skip, timeout: 180_000 }, () => {
  let lab: Lab;
  let dataDir: string;
  const servers: SshdServer[] = [];

  /** `patch-depot inventory ...` inside the appliance namespace. */
  const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        'ip',
        [
          'netns',
          'exec',
          lab.applianceNs,
          process.execPath,
          '--import',
          'tsx',
          main,
          'inventory',
          '--data-dir',
          dataDir,
          ...args,
        ],
        { maxBuffer: 64 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    lab = await createLab(
      {
        name: `inv${randomBytes(3).toString('hex')}`,
        hosts: [
          { kind: 'ping', label: 'deb1' },
          { kind: 'ping', label: 'deb2' },
          { kind: 'silent', label: 'dark' },
        ],
      },
      { cleanupOnExit: true },
    );
    dataDir = await mkdtemp(join(tmpdir(), 'pd-lan-inv-'));
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ inventory: { connectTimeoutMs: 2000 } }));
    // A data directory the daemon has run on: the CLI refuses any other.
    await writeFile(join(dataDir, 'state.json'), '{}');
    const key = await cli(['--public-key']);
    assert.equal(key.code, 0, key.stderr);
    for (const label of ['deb1', 'deb2']) {
      const h = lab.host(label);
      const server = await SshdServer.create([key.stdout.trim()], { netns: h.ns, address: h.ip });
      servers.push(server);
      await server.start();
    }
    const creds = new CredentialStore(join(dataDir, 'inventory', 'credentials.json'));
    for (const label of ['deb1', 'deb2', 'dark']) {
      await creds.put({ hostId: `lab-${label}`, address: lab.host(label).ip, username: 'root' });
    }
  });
  const hostIdOf = async (name: string): Promise<string> => {
    const directory = new HostDirectory(join(dataDir, 'hosts', 'directory.json'));
    await directory.start();
    return directory.resolve(name)?.id ?? `no host for ${name}`;
  };

  after(async () => {
    for (const s of servers) await s.dispose();
    await lab?.down();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('both sshd hosts are collected over the LAN and their keys pinned', async () => {
    for (const [i, label] of ['deb1', 'deb2'].entries()) {
      const ip = lab.host(label).ip;
      const r = await cli(['--host', `lab-${label}`, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const inv = hostInventorySchema.parse(JSON.parse(r.stdout));
      // Credentials filed under an old-style name are adopted by the machine's host id.
      const id = await hostIdOf(`lab-${label}`);
      assert.equal(inv.hostId, id);
      assert.equal(inv.ecosystem, 'dpkg');
      assert.ok(inv.packages.length > 50);
      const pins = JSON.parse(await readFile(join(dataDir, 'inventory', 'known-hosts.json'), 'utf8'));
      assert.equal(pins.hosts[id].pinned.fingerprint, await hostKeyFingerprint(servers[i]!.hostKeyPub));
      assert.match(r.stderr, new RegExp(`host key pinned on first use.*${ip.replaceAll('.', '\\.')}:22`));
    }
    // The sshd on deb1 saw the appliance's lab address, not loopback.
    assert.match(
      servers[0]!.log,
      new RegExp(`Accepted publickey for root from ${lab.applianceIp.replaceAll('.', '\\.')} `),
    );
  });

  test('a silent host fails alone with a connect timeout', async () => {
    const r = await cli(['--host', 'lab-dark']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no SSH (session|handshake)/);
    const attempt = JSON.parse(
      await readFile(join(dataDir, 'inventory', 'attempts', `${await hostIdOf('lab-dark')}.json`), 'utf8'),
    );
    assert.equal(attempt.ok, false);
    assert.equal(attempt.failure, 'timeout');
  });
});
