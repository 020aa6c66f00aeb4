/**
 * A site with a real catalog service (on an in-memory fetcher, the Debian tracker fixture) and a
 * fixed set of host inventories, behind the real web app: the Patches and Reports tests share it.
 * A test may change `hosts` (a new inventory) before the next assessment.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { AssessService } from '../../../daemon/assess/assess-service.js';
import { CatalogService } from '../../../daemon/catalog/catalog-service.js';
import { publicKeyBase64 } from '../../../daemon/catalog/signatures.js';
import { HostService } from '../../../daemon/hosts/host-service.js';
import { parseDpkgQuery } from '../../../daemon/inventory/parse-dpkg.js';
import { parseOsRelease } from '../../../daemon/inventory/parse-os-release.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { HealthRegistry } from '../../../daemon/observability/health.js';
import type { WebDeps } from '../../../web/env.js';
import { MemoryFeedFetcher } from '../../fakes/memory-feed-fetcher.js';
import { fixture } from '../../unit/catalog/version-gen.js';
import { type HarnessBase, setUpAdmin, webHarness } from './harness.js';

const TRACKER = 'https://tracker.example/json';
export const siteKeys = generateKeyPairSync('ed25519');

export const inventory = (
  hostId: string,
  packages: HostInventory['packages'],
  collectedAt = '2026-11-23T10:00:00.000Z',
): HostInventory => ({
  hostId,
  collectedAt,
  os: parseOsRelease(fixture('assess/os-release-debian12')),
  kernel: '6.1.0',
  packages,
  ecosystem: 'dpkg',
  rebootRequired: false,
});

export interface SiteOptions {
  extraHosts?: number;
  tracker?: string;
  /** More services over the site's assessment (the reports). */
  more?: (base: HarnessBase, site: { assess: AssessService }) => Promise<Partial<WebDeps>>;
  /** Every assessment waits for this before it reads an inventory (a slow site); a function is asked each time. */
  gate?: Promise<void> | (() => Promise<void>);
}

export const assessedSite = async (t: TestContext, opts: SiteOptions = {}) => {
  const { extraHosts = 0, tracker = fixture('catalog/debian-tracker.json') } = opts;
  let catalog!: CatalogService;
  const ids: Record<'pc1' | 'pc2' | 'odd', string> = { pc1: '', pc2: '', odd: '' };
  const hosts: HostInventory[] = [];
  let assess!: AssessService;
  const h = await webHarness(t, {
    services: async (base) => {
      const { dataDir, log, jobs, scheduler } = base;
      const fetcher = new MemoryFeedFetcher();
      fetcher.set(TRACKER, tracker);
      catalog = new CatalogService({
        dir: join(dataDir, 'catalog'),
        feeds: [{ id: 'debian', kind: 'debian-tracker', url: TRACKER, enabled: true }],
        fetcher,
        verifier: {
          verifyClearsigned: () => Promise.reject(new Error('unused')),
        },
        trustedKeys: [publicKeyBase64(siteKeys.publicKey)],
        maxFeedBytes: 1 << 20,
        maxUnpackedBytes: 1 << 20,
        syncIntervalMinutes: 60,
        log,
        jobs,
        scheduler,
      });
      await catalog.start();
      t.after(() => catalog.stop());
      const directory = new HostService({
        dir: join(dataDir, 'hosts'),
        findings: {
          inventory: async (id) => hosts.find((x) => x.hostId === id),
          assessment: (id) => assess.host(id),
        },
        log,
      });
      await directory.start();
      // Machines known by address; the odd "address" proves names are escaped wherever shown.
      const machine = async (address: string) => (await directory.directory.forAddress(address)).id;
      ids.pc1 = await machine('pc-1.lan');
      ids.pc2 = await machine('pc-2.lan');
      ids.odd = await machine('<script>x</script>');
      hosts.push(
        inventory(ids.pc1, parseDpkgQuery(fixture('assess/dpkg-query-5col.txt'))),
        inventory(ids.pc2, [{ name: 'curl', version: '7.88.1-10+deb12u16' }]),
        inventory(ids.odd, [{ name: 'libexpat1', version: '2.5.0-1', source: 'expat' }]),
      );
      for (let i = 0; i < extraHosts; i++) {
        const id = await machine(`10.9.${i >> 8}.${i & 255}`);
        hosts.push(inventory(id, [{ name: 'libexpat1', version: '2.5.0-1', source: 'expat' }]));
      }
      assess = new AssessService({
        catalog,
        inventories: {
          ids: async () => {
            await (typeof opts.gate === 'function' ? opts.gate() : opts.gate);
            return hosts.map((h) => h.hostId);
          },
          get: async (id) => hosts.find((h) => h.hostId === id),
        },
        log,
      });
      await assess.start();
      t.after(() => assess.stop());
      // As app.ts registers it: a failed assessment is one of the appliance's problems.
      const health = new HealthRegistry(log);
      health.add(assess);
      return { catalog, assess, hosts: directory, health, ...(await opts.more?.(base, { assess })) };
    },
  });
  const b = await setUpAdmin(h);
  return {
    catalog,
    assess: () => assess,
    ids,
    hosts,
    h,
    cookies: b.cookies,
    request: b.request,
    post: b.post,
    csrf: b.csrf,
  };
};
