/**
 * The Network devices page over the real TFTP module on loopback: the server's status and the
 * DHCP 66/150 help, a device matched to the firmware a manifest lists, a site file uploaded in
 * the browser and fetched by a TFTP client, and uploads with a hostile name or too many bytes
 * refused with a reason (nothing written). Without tftp.enabled the page says how to turn it on.
 * Hostile posts: a large upload without a session is refused before it is read, one without a
 * CSRF token is refused, and the site-file delete route cannot remove firmware or leave the root.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import type { VendorFile } from '../../../daemon/catalog/model.js';
import { configSchema } from '../../../daemon/config.js';
import { type Asset, SELF_EVIDENCE } from '../../../daemon/discovery/asset.js';
import { TftpModule } from '../../../daemon/tftp/tftp-module.js';
import { asset } from '../../fakes/host-assets.js';
import { atftpGet } from '../../support/atftp.js';
import { waitFor } from '../../support/wait-for.js';
import { setUpAdmin, webHarness } from './harness.js';

const run = promisify(execFile);

const firmware: VendorFile = {
  vendor: 'Yealink',
  product: 'T46U',
  version: '108.86.0.20',
  name: 'T46U-108.86.0.20.rom',
  sha256: 'c'.repeat(64),
  size: 2048,
  url: 'http://vendor.invalid/T46U-108.86.0.20.rom',
  models: ['T46U'],
};

const phone = asset({
  ip: '127.0.0.1',
  mac: '80:5e:c0:00:00:01',
  vendor: 'Yealink Network Technology',
  model: 'T46U',
});

interface Options {
  off?: boolean;
  /** tftp.clients (default: 127.0.0.1/32); empty leaves the discovery scopes in charge. */
  clients?: string[];
  /** tftp.address (default: 127.0.0.1). */
  address?: string;
  /** The assets discovery found besides the phone. */
  found?: Asset[];
}

const harness = async (t: TestContext, opts: Options = {}) => {
  let tftp: TftpModule | undefined;
  const h = await webHarness(t, {
    services: async ({ dataDir, log, jobs }) => {
      if (opts.off) return {};
      const clients = opts.clients ?? ['127.0.0.1/32'];
      const config = configSchema.parse({
        dataDir,
        tftp: { enabled: true, address: opts.address ?? '127.0.0.1', port: 0, maxSiteFileMB: 1, clients },
      });
      const catalog = {
        vendorFiles: () => [{ feedId: 'vendor-fw', file: firmware }],
        onChange: () => () => {},
      };
      tftp = new TftpModule(config, { scopes: () => [], firmware: { catalog, cache: undefined, jobs } }, log);
      await tftp.start();
      t.after(() => tftp?.stop());
      return { tftp, discovery: { allAssets: () => [phone, ...(opts.found ?? [])] } as never };
    },
  });
  const b = await setUpAdmin(h);
  const upload = async (name: string, body: Uint8Array, as = '') => {
    const form = new FormData();
    form.set('_csrf', await b.csrf('/devices'));
    form.set('file', new File([body], name));
    form.set('name', as);
    return b.request('/devices/files', { method: 'POST', body: form });
  };
  return { ...b, tftp: tftp!, upload, anonymous: () => h.browser() };
};

test('the page shows the server, the DHCP options and which device should fetch which firmware', async (t) => {
  const h = await harness(t);
  const html = await (await h.request('/devices')).text();
  assert.match(html, /TFTP server listening on 127\.0\.0\.1:\d+/);
  assert.match(html, /dhcp-option=66,&quot;127\.0\.0\.1&quot;|dhcp-option=66,"127\.0\.0\.1"/);
  assert.match(html, /option 150/);
  assert.match(html, /T46U-108\.86\.0\.20\.rom/);
  assert.match(html, /0 of 1 matched devices fetched their current firmware/);
  assert.match(html, /Not in the TFTP root yet/);
  assert.match(html, /patch cache is off/, 'staging needs the cache, and the page says so');
  assert.match(
    html,
    /Answers <code>127\.0\.0\.1\/32<\/code> \(<a href="\/settings\/config#tftp" title="tftp\.clients">Devices that may fetch \(Settings → TFTP\)<\/a>\); any other address gets no reply/,
  );
});

test('an address that may not fetch gets silence, and the page names it and the rule', async (t) => {
  const h = await harness(t, { clients: ['192.0.2.0/24'] });
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  const rrq = Buffer.concat([Buffer.from([0, 1]), Buffer.from('SEP001122334455.cnf.xml\0octet\0')]);
  socket.send(rrq, h.tftp.port, '127.0.0.1');
  await waitFor(() => h.tftp.ignored.list().length > 0, 'the request to be turned away');
  const html = await (await h.request('/devices')).text();
  assert.match(html, /Answers <code>192\.0\.2\.0\/24<\/code>/);
  assert.match(html, /Not answered, because they are not allowed to fetch: 127\.0\.0\.1 \(1 request, /);
  assert.match(html, /href="\/settings\/scopes"/);
  // The setting is a link to where it is changed, not its JSON path.
  assert.doesNotMatch(html, /<code>tftp\.clients<\/code>/);
  assert.match(html, /or to <a href="\/settings\/config#tftp"/);
});

test('listening on every address, the page tells devices the LAN address the scan found the appliance at', async (t) => {
  const self = asset({ ip: '10.9.8.1', mac: '02:00:00:00:09:01', evidence: [SELF_EVIDENCE] });
  const h = await harness(t, { address: '0.0.0.0', found: [self] });
  const ok = await h.upload('SEP805EC0000001.cnf.xml', Buffer.from('<device/>'));
  const after = await (await h.request(ok.headers.get('location')!)).text();
  // The browser here reached the appliance by another name (depot.test; in the lab, localhost):
  // a phone and a DHCP server get the LAN address.
  assert.match(
    after,
    new RegExp(`<code>tftp 10\\.9\\.8\\.1 ${h.tftp.port} -m binary -c get SEP805EC0000001`),
  );
  assert.match(after, /dhcp-option=150,10\.9\.8\.1/);
  assert.doesNotMatch(after, /tftp depot\.test|dhcp-option=150,depot\.test/);
});

test('with no tftp.clients and no discovery scope the page says no device can fetch yet', async (t) => {
  const h = await harness(t, { clients: [] });
  const html = await (await h.request('/devices')).text();
  assert.match(html, /No device can fetch yet/);
  assert.match(html, /there is no scope\. Add the devices(&#39;|')? subnet in <a href="\/settings\/scopes">/);
});

test('a site file uploaded in the browser is served over TFTP; bad names and sizes are refused', async (t) => {
  const h = await harness(t);
  const config = Buffer.from('<device><loadInformation>T46U-108.86.0.20</loadInformation></device>\n');
  const ok = await h.upload('SEP805EC0000001.cnf.xml', config);
  assert.equal(ok.status, 303, 'redirected: a reload does not upload again');
  const after = await (await h.request(ok.headers.get('location')!)).text();
  assert.match(after, /SEP805EC0000001\.cnf\.xml is served over TFTP/);
  // The check the page suggests is a command that works as shown (tftp-hpa's client).
  const shown = after.match(/<code>(tftp [^<]+)<\/code>/)?.[1] ?? '';
  assert.equal(shown, `tftp 127.0.0.1 ${h.tftp.port} -m binary -c get SEP805EC0000001.cnf.xml`);
  const cwd = await mkdtemp(join(h.tftp.root, '..', 'check-'));
  await run('tftp', shown.split(' ').slice(1), { cwd, timeout: 30_000 });
  assert.deepEqual(await readFile(join(cwd, 'SEP805EC0000001.cnf.xml')), config);
  const stale = await (await h.request('/devices?uploaded=gone.cfg')).text();
  assert.doesNotMatch(stale, /is served over TFTP/, 'only a file that is there is announced');
  const out = join(h.tftp.root, '..', 'fetched.xml');
  await atftpGet({
    server: '127.0.0.1',
    port: h.tftp.port,
    file: 'SEP805EC0000001.cnf.xml',
    out,
    timeoutSeconds: 30,
  });
  assert.deepEqual(await readFile(out), config);

  for (const bad of ['../escape.cfg', '.hidden', 'a/b.cfg', 'x.tmp-1-ab', 'é.cfg']) {
    const res = await h.upload('f.cfg', Buffer.from('x'), bad);
    assert.equal(res.status, 400, bad);
    const page = await res.text();
    assert.match(page, /not a plain file name/);
    // Said on the Devices page by its upload form, not on an error page that leads to the dashboard.
    assert.match(page, /<h1>Network devices<\/h1>/);
    assert.match(page, /Not uploaded: /);
    assert.match(page, /<button type="submit">Upload<\/button>/);
  }
  const big = await h.upload('big.bin', Buffer.alloc(1024 * 1024 + 1));
  assert.equal(big.status, 400);
  assert.match(await big.text(), /1048576 bytes at most|at most/);
  const clash = await h.upload('x.rom', Buffer.from('x'), firmware.name);
  assert.equal(clash.status, 409, 'a name a manifest lists is kept for the firmware');
  assert.match(await clash.text(), /listed by a signed manifest/);
  assert.deepEqual(await readdir(h.tftp.root), ['SEP805EC0000001.cnf.xml']);

  const del = await h.post('/devices/files/SEP805EC0000001.cnf.xml/delete', {
    _csrf: await h.csrf('/devices'),
  });
  assert.equal(del.status, 303);
  assert.deepEqual(await readdir(h.tftp.root), []);
});

test('a name field sent as a file is ignored: the upload keeps its own name, not "[object File]"', async (t) => {
  const h = await harness(t);
  const form = new FormData();
  form.set('_csrf', await h.csrf('/devices'));
  form.set('file', new File([Buffer.from('cfg\n')], 'phone.cfg'));
  form.set('name', new File([Buffer.from('x')], 'other.txt'));
  const res = await h.request('/devices/files', { method: 'POST', body: form });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/devices?uploaded=phone.cfg');
});

test('a site file onto a name a hand-made folder holds in the root: a clear 409, not a 500', async (t) => {
  const h = await harness(t);
  await mkdir(join(h.tftp.root, 'phones'));
  await writeFile(join(h.tftp.root, 'phones', 'keep.cfg'), 'mine');
  const res = await h.upload('phones', Buffer.from('<config/>'));
  assert.equal(res.status, 409);
  assert.match(await res.text(), /phones is a folder in the TFTP root .*made by hand; move or remove it/);
  assert.equal(
    await readFile(join(h.tftp.root, 'phones', 'keep.cfg'), 'utf8'),
    'mine',
    'the folder is untouched',
  );
  assert.deepEqual(await readdir(h.tftp.root), ['phones'], 'no temp file left behind');
  assert.equal((await h.upload('phones.cfg', Buffer.from('<config/>'))).status, 303, 'another name is fine');
});

test('uploads without a session or CSRF token, and deletes of firmware or paths, are refused', async (t) => {
  const h = await harness(t);
  let read = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      read += 64 * 1024;
      if (read > 64 * 1024 * 1024) controller.close();
      else controller.enqueue(new Uint8Array(64 * 1024));
    },
  });
  const anon = await h.anonymous().request('/devices/files', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    body: endless,
    duplex: 'half',
  } as RequestInit);
  assert.equal(anon.status, 413);
  assert.ok(read < 1024 * 1024, `refused after ${read} bytes, not 64 MiB`);

  const form = new FormData();
  form.set('file', new File([Buffer.from('x')], 'a.cfg'));
  assert.equal((await h.request('/devices/files', { method: 'POST', body: form })).status, 403);

  await h.tftp.files.putSiteFile('keep.cfg', Buffer.from('x'));
  // Firmware in the root (as staging leaves it): not a site file, so not the delete route's to remove.
  await writeFile(join(h.tftp.root, firmware.name), 'firmware');
  for (const name of [firmware.name, '..', '%2e%2e', '..%2Ftftp-root.json', 'keep.cfg%2F..']) {
    const res = await h.post(`/devices/files/${name}/delete`, { _csrf: await h.csrf('/devices') });
    assert.equal(res.status, 404, name);
  }
  assert.deepEqual((await readdir(h.tftp.root)).sort(), [firmware.name, 'keep.cfg']);
});

test('with the TFTP server off the page says how to turn it on', async (t) => {
  const h = await harness(t, { off: true });
  const html = await (await h.request('/devices')).text();
  assert.match(html, /The TFTP server is off/);
  // The switch is a form on the settings page, not a file edit.
  assert.match(
    html,
    /<a href="\/settings\/config#tftp">Settings → Appliance settings → TFTP for network devices<\/a>/,
  );
});
