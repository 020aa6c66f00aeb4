/**
 * The whole daemon inside the lab's appliance namespace: `patch-depot serve` with discovery
 * wired in by app.ts, driven through its real HTTP UI (from inside the namespace): a scope saved
 * in Settings, a scan started from the Assets page, live progress, the asset list and a host page.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { officeHosts } from '../../scripts/lab/site.js';
import { tsxInNamespace } from './helpers/in-namespace.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const skip = labUnavailableReason();

describe('the daemon discovers the lab through its UI', { skip }, () => {
  let lab: Lab;
  let dataDir: string;
  let stop: () => Promise<void> = async () => {};
  let url = '';

  before(async () => {
    lab = await createLab({ name: `u${randomBytes(4).toString('hex')}`, hosts: officeHosts(6) });
    dataDir = await mkdtemp(join(tmpdir(), 'pd-lab-daemon-'));
    const proc = spawn(
      'ip',
      ['netns', 'exec', lab.applianceNs, process.execPath, '--import', 'tsx', 'daemon/main.ts', 'serve'],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PATCH_DEPOT_DATA_DIR: dataDir,
          PATCH_DEPOT_HOST: lab.applianceIp,
          PATCH_DEPOT_PORT: '0',
          PATCH_DEPOT_LOG_FORMAT: 'json',
        },
      },
    );
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    stop = async () => {
      proc.kill('SIGTERM');
      await exited;
    };
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`daemon did not start: ${err}`)), 30_000);
      proc.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"msg":"listening".*?"url":"(http:\/\/[^"]+)"/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!.replace('localhost', lab.applianceIp).replace(/\/$/, ''));
        }
      });
    });
  });
  after(async () => {
    await stop();
    await lab?.down();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('saves a scope, scans on demand with live progress, lists every host and shows the printer', async () => {
    const silent = lab.host('silent');
    const stdout = await tsxInNamespace(lab.applianceNs, [
      'test/lab/helpers/ui-walk.ts',
      url,
      lab.subnet,
      silent.ip,
      dataDir,
    ]);
    const r = JSON.parse(stdout) as {
      setup: number;
      scopeSaved: number;
      scanStarted: boolean;
      reloadTold: boolean;
      panel: string;
      rows: Array<{ href: string; ip: string; mac: string }>;
      printerHasVendor: boolean;
      printerHasMdnsName: boolean;
      printerNotOfferedSsh: boolean;
    };
    assert.equal(r.setup, 303);
    assert.equal(r.scopeSaved, 303);
    assert.ok(r.scanStarted, 'the scan panel polls');
    assert.ok(r.reloadTold, 'the end of the scan tells the table to reload');
    assert.match(r.panel, /done/);
    const ips = r.rows.map((x) => x.ip).sort();
    const expected = [
      lab.applianceIp,
      ...lab.hosts.filter((h) => h.label !== 'silent').map((h) => h.ip),
    ].sort();
    assert.deepEqual(ips, expected, 'every host but the excluded one, plus the appliance');
    for (const h of lab.hosts.filter((x) => x.label !== 'silent')) {
      assert.ok(
        r.rows.some(
          (row) => row.ip === h.ip && row.mac === h.mac && /^\/hosts\/h-[0-9a-f]{10}$/.test(row.href),
        ),
        `${h.label} by MAC, linked to its host page`,
      );
    }
    assert.equal(new Set(r.rows.map((row) => row.href)).size, r.rows.length, 'one host page per machine');
    assert.ok(r.printerHasVendor && r.printerHasMdnsName);
    assert.ok(r.printerNotOfferedSsh, 'a printer is not told to give SSH access');
  });
});

if (skip) console.log(`# daemon lab test skipped: ${skip}`);
