/**
 * The real DepotApp on loopback with test-only deployment adapters (a FakeSite standing in for the
 * SSH executors, the verifier and Wake-on-LAN): its catalog syncs a Debian tracker fixture from a
 * loopback server, and hosts' inventories are on file before it starts, so the assessment, the
 * Patches page and the deployment service are the daemon's own. `browser()` is a cookie-jar HTTP
 * client that has done first-run setup.
 */

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { DepotApp } from '../../../daemon/app.js';
import { type ConfigInput, configSchema } from '../../../daemon/config.js';
import { type HostInventory, hostInventorySchema } from '../../../daemon/inventory/types.js';
import { RecordDir } from '../../../daemon/store/record-dir.js';
import { FakeSite } from '../../fakes/deploy-site.js';
import { memoryLogger } from '../../fakes/log.js';
import { setupCodeOf } from '../../support/setup-code.js';
import { waitFor } from '../../support/wait-for.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

const tracker = readFileSync(new URL('../../fixtures/catalog/debian-tracker.json', import.meta.url));

/** Missing CVE-2024-8176 (high, expat) and CVE-2025-0725 (medium, curl). */
export const bookwormInventory = (hostId: string): HostInventory => ({
  hostId,
  collectedAt: '2026-11-23T09:00:00.000Z',
  os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  kernel: '6.1.0-28-amd64',
  ecosystem: 'dpkg',
  rebootRequired: false,
  packages: [
    { name: 'libexpat1', version: '2.5.0-1+deb12u1', source: 'expat' },
    { name: 'curl', version: '7.88.1-10+deb12u15', source: 'curl' },
    { name: 'bash', version: '5.2.15-2+b7' },
  ],
});

export const HIGH = 'CVE-2024-8176';
export const MEDIUM = 'CVE-2025-0725';

const feedServer = async (t: TestContext): Promise<string> => {
  const server = createServer((_req, res) => res.end(tracker));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(t, () => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tracker.json`;
};

export interface DeployApp {
  app: DepotApp;
  url: string;
  site: FakeSite;
  /** Host ids the assessment knows, by the inventory name they were filed under. */
  hosts: string[];
  dataDir: string;
}

/** Start the daemon; `deploy: false` starts it without adapters (no deployment service). */
export const startDeployApp = async (
  t: TestContext,
  opts: { hosts?: string[]; deploy?: boolean; config?: Partial<ConfigInput>; dataDir?: string } = {},
): Promise<DeployApp> => {
  const dataDir = opts.dataDir ?? (await tempDir(t));
  const names = opts.hosts ?? ['pc-1', 'pc-2', 'pc-3'];
  const inventories = new RecordDir(join(dataDir, 'inventory', 'hosts'), (v) => hostInventorySchema.parse(v));
  await inventories.start();
  for (const name of names) await inventories.put(name, bookwormInventory(name));
  const config = configSchema.parse({
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    cache: { enabled: false },
    store: { debounceMs: 5, maxDelayMs: 50 },
    catalog: { feeds: [{ id: 'debian', kind: 'debian-tracker', url: await feedServer(t) }] },
    ...(opts.deploy === false ? { deploy: { enabled: false } } : {}),
    ...opts.config,
  });
  const site = new FakeSite();
  const adapters = { executors: site, verifier: site, wake: site, wakeTarget: site.wakeTarget };
  const app = new DepotApp(config, memoryLogger(), opts.deploy === false ? undefined : adapters);
  await app.start();
  onTeardown(t, () => app.stop());
  let hosts: string[] = [];
  await waitFor(async () => {
    const assessed = await app.assess?.current();
    hosts = (assessed?.hosts ?? []).filter((h) => h.findings.count > 0).map((h) => h.hostId);
    return hosts.length === names.length;
  }, 'the feed to sync and every host to be assessed');
  hosts.sort();
  for (const id of hosts)
    site.add(id, { installed: { libexpat1: '2.5.0-1+deb12u1', curl: '7.88.1-10+deb12u15' } });
  return { app, url: `http://127.0.0.1:${app.http!.address!.port}`, site, hosts, dataDir };
};

export interface HttpBrowser {
  request(path: string, init?: RequestInit): Promise<Response>;
  /** GET a page and pull the CSRF token out of its first form. */
  csrf(path: string): Promise<string>;
  post(
    path: string,
    form: Record<string, string | string[]>,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

const encode = (form: Record<string, string | string[]>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
};

/** A signed-in browser over real HTTP (first-run setup done through the form). */
export const httpBrowser = async (
  baseUrl: string,
  dataDir: string,
  password = 'a long enough passphrase',
  /** The first account's name (setup's default: admin). */
  name?: string,
): Promise<HttpBrowser> => {
  const jar = new Map<string, string>();
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(path, baseUrl), {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  const csrf = async (path: string) => {
    const m = /name="_csrf" value="([^"]+)"/.exec(await (await request(path)).text());
    if (!m) throw new Error(`no CSRF field on ${path}`);
    return m[1]!;
  };
  const post = (
    path: string,
    form: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ) =>
    request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: encode(form),
    });
  const token = await csrf('/setup');
  const code = await setupCodeOf(dataDir);
  const res = await post('/setup', {
    _csrf: token,
    code,
    password,
    confirm: password,
    ...(name ? { name } : {}),
  });
  if (res.status !== 303) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return { request, csrf, post };
};
