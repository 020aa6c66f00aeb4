/**
 * The one host page through the real web app, over the real services wired as app.ts wires them
 * (discovery on the fake network, inventory on fake SSH hosts, the catalog on an in-memory feed,
 * assessment, the host directory): a scanned server offers "Manage this machine"; SSH access given
 * there is collected and the page shows its packages and missing fixes at once; the Inventory
 * and Patches pages link to it; a DHCP move keeps the page, the id and the history.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { configSchema } from '../../../daemon/config.js';
import { TftpModule } from '../../../daemon/tftp/tftp-module.js';
import type { TransferRecord } from '../../../daemon/tftp/transfer-log.js';
import type { FakeHost } from '../../fakes/discovery-network.js';
import { debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { ok } from '../../fakes/inventory-runner.js';
import { type RealSite, realSite } from '../support/real-site.js';
import { setUpAdmin, webHarness } from '../web/harness.js';

const MAC = '02:00:00:00:00:05';
/** 250 packages, expat among them at a version the tracker fixture has a fix for. */
const dpkgLines = [
  'ii \tlibexpat1\t2.5.0-1\tamd64\texpat\t2.5.0-1',
  ...Array.from({ length: 249 }, (_, i) => `ii \tpkg-${String(i).padStart(3, '0')}\t1.0-1\tamd64\t\t`),
  '',
].join('\n');

const setup = async (t: TestContext, more: FakeHost[] = []) => {
  let site!: RealSite;
  let tftp!: TftpModule;
  const h = await webHarness(t, {
    services: async (base) => {
      site = await realSite(t, base, [
        { ip: '10.0.0.5', mac: MAC, open: [22], banners: { 22: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' } },
        ...more,
      ]);
      const tftpConfig = configSchema.parse({
        dataDir: base.dataDir,
        tftp: { enabled: true, address: '127.0.0.1', port: 0 },
      });
      tftp = new TftpModule(tftpConfig, { scopes: () => site.discovery.scopes() }, base.log);
      await tftp.start();
      t.after(() => tftp.stop());
      const { discovery, inventory, catalog, assess, hosts } = site;
      return { discovery, inventory, catalog, assess, hosts, tftp };
    },
  });
  const { net, runner, discovery, inventory, catalog } = site;
  const b = await setUpAdmin(h);
  await b.post('/settings/scopes', {
    _csrf: await b.csrf('/settings/scopes'),
    name: 'LAN',
    include: '10.0.0.0/24',
  });
  const scan = async () => {
    await discovery.startScan(discovery.scopes()[0]!.id);
    await discovery.idle();
  };
  return { net, runner, discovery, inventory, catalog, tftp, b, scan };
};

test('scan, manage, collect: the one host page shows identity, packages and missing fixes; every link leads there', async (t) => {
  const { net, runner, inventory, catalog, b, scan } = await setup(t);
  await scan();
  const found = await b.request('/assets/m-020000000005');
  assert.equal(found.status, 302);
  const href = found.headers.get('location')!;
  assert.match(href, /^\/hosts\/h-[0-9a-f]{10}$/);
  const id = href.slice('/hosts/'.length);
  let page = await (await b.request(href)).text();
  assert.match(page, /<code>02:00:00:00:00:05<\/code>/);
  assert.match(page, /Not inventoried yet/);
  assert.match(page, /Manage this machine/, 'a server with SSH open is offered management');
  assert.match(page, /class="(badge )?new"|>new</, 'a device just found is new');
  assert.match(await (await b.request('/assets')).text(), new RegExp(`<a href="${href}">10\\.0\\.0\\.5</a>`));

  const key = await inventory.keys.get();
  runner.add(
    '10.0.0.5',
    22,
    fakeHost({ ...debian, packages: [['dpkg-query', ok(dpkgLines)]] }, key.privateKey),
  );
  const _csrf = await b.csrf(href);
  const managed = await b.post(`${href}/manage`, {
    _csrf,
    address: '10.0.0.5',
    username: 'root',
    port: '22',
  });
  assert.equal(managed.status, 303);
  assert.equal(managed.headers.get('location'), `${href}?done=managed#ssh-access`);
  // Giving it SSH access is knowing it: it no longer waits under Review new devices.
  const newOnes = await (await b.request('/assets?status=new')).text();
  assert.doesNotMatch(newOnes, new RegExp(`<a href="${href}">`));
  await catalog.syncNow(['debian']);
  await inventory.collect((await inventory.credentials.get(id))!);

  page = await (await b.request(href)).text();
  assert.match(page, /root@10\.0\.0\.5/);
  assert.match(page, /Installed packages \(250\)/, 'packages show right after the collection');
  assert.match(page, /page 1 of 3 · 250 in all/);
  assert.match(page, /Missing fixes \(1\)/);
  assert.match(page, /CVE-2024-8176/);
  assert.match(page, /Deployments \(0\)[\s\S]*deployments are off/i);

  const inventoryPage = await (await b.request('/inventory')).text();
  assert.ok(inventoryPage.includes(`<a href="${href}">10.0.0.5</a>`), 'Inventory links to the host page');
  const patches = await (await b.request('/patches?view=hosts')).text();
  assert.ok(patches.includes(`<a href="${href}#fixes">10.0.0.5</a>`), 'Patches links to the host page');
  const advisory = await (await b.request('/patches/advisories/debian/CVE-2024-8176')).text();
  assert.ok(advisory.includes(`<a href="${href}#fixes">10.0.0.5</a>`));
  for (const old of ['/assets/10.0.0.5', '/patches/hosts/10.0.0.5', `/assets/${id}`]) {
    assert.equal((await b.request(old)).headers.get('location')?.replace('#fixes', ''), href, old);
  }

  // DHCP gives the machine another address: one host, same page, the history kept.
  const machine = runner.hosts.get('10.0.0.5:22')!;
  runner.hosts.delete('10.0.0.5:22');
  runner.add('10.0.0.23', 22, machine);
  net.remove('10.0.0.5');
  net.add({ ip: '10.0.0.23', mac: MAC, open: [22] });
  await scan();
  page = await (await b.request(href)).text();
  assert.match(page, /<dt>Address<\/dt><dd>10\.0\.0\.23<\/dd>/);
  assert.match(page, /10\.0\.0\.5, 10\.0\.0\.23/, 'both addresses in its history');
  assert.match(page, /Moved from 10\.0\.0\.5 to 10\.0\.0\.23/);
  assert.match(page, /root@10\.0\.0\.23/, 'SSH access followed it');
  assert.match(page, /Installed packages \(250\)/);
  assert.equal((await b.request('/assets/10.0.0.23')).headers.get('location'), href);
});

test('the host page lists what the machine fetched over TFTP, from every address it has had, and nothing of others', async (t) => {
  const { net, tftp, b, scan } = await setup(t);
  await scan();
  const href = (await b.request('/assets/m-020000000005')).headers.get('location')!;
  let page = await (await b.request(href)).text();
  assert.match(page, /TFTP transfers[\s\S]*has not asked the appliance&#39;s TFTP server for a file/);
  const record = (client: string, file: string, outcome: TransferRecord['outcome']): TransferRecord => ({
    at: new Date().toISOString(),
    client,
    file,
    size: 4096,
    bytesSent: outcome === 'complete' ? 4096 : 512,
    durationMs: 1200,
    blksize: 1468,
    windowsize: 16,
    outcome,
    detail: outcome === 'complete' ? '4096 bytes' : 'no progress for 30 s',
  });
  tftp.log.add(record('10.0.0.5', 'T46U-108.86.0.20.rom', 'timeout'));
  tftp.log.add(record('10.0.0.99', 'someone-else.cfg', 'complete'));
  // DHCP moves it; its later fetch comes from the new address.
  net.remove('10.0.0.5');
  net.add({ ip: '10.0.0.23', mac: MAC, open: [22] });
  await scan();
  tftp.log.add(record('10.0.0.23', 'T46U-108.86.0.20.rom', 'complete'));
  page = await (await b.request(href)).text();
  const section = page.slice(page.indexOf('TFTP transfers'));
  assert.match(section, /T46U-108\.86\.0\.20\.rom[\s\S]*complete in 1\.2 s/);
  assert.match(section, /timeout: no progress for 30 s/, 'the failed try from its old address too');
  assert.ok(section.indexOf('complete in') < section.indexOf('timeout:'), 'newest first');
  assert.doesNotMatch(page, /someone-else\.cfg/, "another machine's transfer is not listed");
});

test('the appliance finds its own address: listed as this Patch Depot appliance, never offered SSH management', async (t) => {
  // 10.0.0.1 is the fake network's own interface address (the appliance), with its SSH port open.
  const { b, scan } = await setup(t, [{ ip: '10.0.0.1', mac: '02:00:00:00:00:01', open: [22] }]);
  await scan();
  const assets = await (await b.request('/assets')).text();
  const row = /<tr>(?:(?!<\/tr>)[\s\S])*10\.0\.0\.1<\/a>[\s\S]*?<\/tr>/.exec(assets)?.[0] ?? '';
  assert.match(row, /this Patch Depot appliance/, 'the Class column names it');
  assert.doesNotMatch(row, /<td>unknown<\/td>/);
  const href = (await b.request('/assets/m-020000000001')).headers.get('location')!;
  const page = await (await b.request(href)).text();
  assert.match(page, /<dt>Class<\/dt><dd>this Patch Depot appliance<\/dd>/);
  assert.doesNotMatch(page, /Manage this machine/, 'not offered SSH management');
  assert.match(page, /Not managed over SSH: this is the Patch Depot appliance itself/);
  // A server beside it is still offered management.
  const other = (await b.request('/assets/m-020000000005')).headers.get('location')!;
  assert.match(await (await b.request(other)).text(), /Manage this machine/);
});
