/**
 * One machine, one page, on a real (simulated) LAN: the daemon runs in the lab's appliance
 * namespace; a lab host runs sshd over this machine's Debian root, another serves a tracker feed.
 * Driven through the UI: scan, then "Manage this machine" and collect. Its one host page shows MAC,
 * vendor, packages and missing fixes, and the Inventory and Patches pages link to it. Then DHCP
 * moves it (same MAC, new address): the next scan keeps one host with the new address and the
 * same history, its SSH access follows, and a collection there confirms it by its pinned key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { reportedName } from '../support/reported-name.js';
import { SshdServer, sshdUnavailable } from '../support/sshd-server.js';
import { waitFor } from '../support/wait-for.js';
import { daemonPublicKey } from './helpers/daemon-key.js';
import { type Background, startInNamespace } from './helpers/in-namespace-background.js';
import { scanFromAssets, type UiClient, uiClient } from './helpers/ui-client.js';

const skip = labUnavailableReason() ?? sshdUnavailable();
const MAC = '00:25:90:2a:00:01'; // a Super Micro Computer OUI, so the page has a vendor to show
const CVE = 'CVE-2099-0001';

/** A tracker feed in which this machine's bash misses a fix (epoch 999: newer than any bash). */
const trackerFeed = async (): Promise<string> => {
  const codename =
    /^VERSION_CODENAME=(\S+)/m.exec(await readFile('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';
  const release = { status: 'resolved', repositories: {}, fixed_version: '999:1.0-1', urgency: 'high' };
  return JSON.stringify({
    bash: { [CVE]: { description: 'lab advisory', scope: 'local', releases: { [codename]: release } } },
  });
};

describe('one host page per machine, across a DHCP move', { skip, timeout: 300_000 }, () => {
  let lab: Lab;
  let dir: string;
  let sshd: SshdServer;
  const background: Background[] = [];
  let ui: UiClient;
  let hostHref = '';
  let csrf = '';

  before(async () => {
    lab = await createLab({
      name: `hd${randomBytes(4).toString('hex')}`,
      hosts: [
        { kind: 'ping', label: 'deb', mac: MAC },
        { kind: 'ping', label: 'feeds' },
      ],
    });
    dir = await mkdtemp(join(tmpdir(), 'pd-lab-hosts-'));
    const dataDir = join(dir, 'data');
    await writeFile(join(dir, 'tracker.json'), await trackerFeed());
    const vendor = lab.host('feeds');
    const feedArgs = ['test/lab/helpers/feed-server.ts', join(dir, 'tracker.json'), vendor.ip, '8080'];
    background.push(await startInNamespace(vendor.ns, feedArgs, /ready/));
    const publicKey = await daemonPublicKey(dataDir);
    sshd = await SshdServer.create([publicKey], { netns: lab.host('deb').ns, address: '0.0.0.0' });
    await sshd.start();
    const feed = { id: 'lab-tracker', kind: 'debian-tracker', url: `http://${vendor.ip}:8080/tracker.json` };
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ catalog: { feeds: [feed] }, cache: { enabled: false } }),
    );
    const daemon = await startInNamespace(
      lab.applianceNs,
      ['daemon/main.ts', 'serve'],
      /"msg":"listening".*?"url":"http:\/\/[^"]*:(\d+)/,
      {
        PATCH_DEPOT_DATA_DIR: dataDir,
        PATCH_DEPOT_HOST: '127.0.0.1',
        PATCH_DEPOT_PORT: '0',
        PATCH_DEPOT_LOG_FORMAT: 'json',
      },
    );
    background.push(daemon);
    // The UI listens on the namespace's loopback; a unix socket (shared filesystem) reaches it.
    const socket = join(dir, 'ui.sock');
    const bridge = [
      'scripts/unix-bridge.ts',
      'listen-unix',
      socket,
      'connect-tcp',
      `127.0.0.1:${daemon.ready[1]}`,
    ];
    background.push(await startInNamespace(lab.applianceNs, bridge, /ready/));
    ui = uiClient(socket);
    csrf = await ui.setUp(dataDir);
    const scope = await ui.post('/settings/scopes', { _csrf: csrf, name: 'Lab', include: lab.subnet });
    assert.equal(scope.status, 303);
  });
  after(async () => {
    await ui?.close();
    for (const b of background.reverse()) await b.stop();
    await sshd?.dispose();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const scan = (): Promise<void> => scanFromAssets(ui, csrf);
  const hostPageWhen = async (what: string, test: (html: string) => boolean): Promise<string> => {
    let html = '';
    await waitFor(
      async () => {
        html = await ui.text(hostHref);
        return test(html);
      },
      what,
      120_000,
    );
    return html;
  };
  const collectNow = async (): Promise<void> => {
    const action = /<form method="post" action="([^"]+\/collect)"/.exec(await ui.text(hostHref))?.[1];
    assert.ok(action, 'the host page offers "Collect now"');
    assert.equal((await ui.post(action, { _csrf: csrf })).status, 303);
  };

  it('scan, then inventory: the one host page shows MAC, vendor, packages and missing fixes; every link finds it', async () => {
    const deb = lab.host('deb');
    await scan();
    const found = await ui.request(`/assets/m-${MAC.replaceAll(':', '')}`);
    assert.equal(found.status, 302);
    hostHref = found.headers.get('location') ?? '';
    assert.match(hostHref, /^\/hosts\/h-[0-9a-f]{10}$/);
    let page = await ui.text(hostHref);
    assert.match(page, /Manage this machine/, 'a server with SSH open is offered management');

    const managed = await ui.post(`${hostHref}/manage`, {
      _csrf: csrf,
      address: deb.ip,
      username: 'root',
      port: '22',
    });
    assert.equal(managed.status, 303);
    await collectNow();
    assert.equal((await ui.post('/patches/feeds/sync', { _csrf: csrf, feed: 'lab-tracker' })).status, 303);
    page = await hostPageWhen(
      'packages and missing fixes on the host page',
      (html) => /Installed packages \(\d+\)/.test(html) && html.includes(CVE),
    );
    assert.match(page, new RegExp(`<code>${MAC}</code>`));
    assert.match(page, /Super Micro Computer/);
    assert.ok(Number(/Installed packages \((\d+)\)/.exec(page)?.[1]) > 50, 'a real Debian package list');
    assert.match(page, /Missing fixes \(1\)/);

    const inventory = await ui.text('/inventory');
    // The sshd runs in the host's network namespace, not its own UTS one: it reports this machine's name.
    assert.ok(
      inventory.includes(`<a href="${hostHref}">${reportedName(deb.ip)}</a>`),
      'Inventory links to the host page',
    );
    const patches = await ui.text('/patches?view=hosts');
    assert.ok(patches.includes(`href="${hostHref}#fixes"`), 'Patches links to the host page');
    const advisory = await ui.text(`/patches/advisories/lab-tracker/${CVE}`);
    assert.ok(advisory.includes(`href="${hostHref}#fixes"`), 'the advisory links to the host page');
    assert.equal((await ui.request(hostHref)).status, 200);
    assert.equal((await ui.request(`/assets/${deb.ip}`)).headers.get('location'), hostHref);
  });

  it('DHCP moves it: the next scan keeps one host with the new address and the same history', async () => {
    const deb = lab.host('deb');
    const moved = deb.ip.replace(/\.\d+$/, '.200');
    await lab.exec(deb.ns, ['ip', 'addr', 'del', `${deb.ip}/24`, 'dev', 'eth0']);
    await lab.exec(deb.ns, ['ip', 'addr', 'add', `${moved}/24`, 'dev', 'eth0']);
    await scan();
    assert.equal(
      (await ui.request(`/assets/m-${MAC.replaceAll(':', '')}`)).headers.get('location'),
      hostHref,
    );
    assert.equal((await ui.request(`/assets/${moved}`)).headers.get('location'), hostHref);
    const table = await ui.text(`/assets/table?q=${encodeURIComponent(MAC)}`, { 'hx-request': 'true' });
    assert.equal(table.match(/<a href="\/hosts\//g)?.length, 1, 'one machine, one row');
    let page = await ui.text(hostHref);
    assert.match(page, new RegExp(`<dt>Address</dt><dd>${moved.replaceAll('.', '\\.')}</dd>`));
    assert.ok(page.includes(`${deb.ip}, ${moved}`), 'both addresses in its history');
    assert.match(
      page,
      new RegExp(`discovered: found at ${deb.ip.replaceAll('.', '\\.')}`),
      'the first scan is still in its history',
    );
    assert.match(page, /Installed packages \(\d+\)/, 'its inventory stayed with it');
    assert.ok(page.includes(`root@${moved}`), 'its SSH access followed it');

    await collectNow();
    page = await hostPageWhen('the pinned key to confirm the move', (html) => /confirmed at/.test(html));
    assert.match(
      page,
      new RegExp(`Moved from ${deb.ip.replaceAll('.', '\\.')} to ${moved.replaceAll('.', '\\.')}; confirmed`),
    );
  });
});

if (skip) console.log(`# host directory lab test skipped: ${skip}`);
