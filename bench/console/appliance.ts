/**
 * The appliance side of bench/console, in its own process: the real web app and console API on a
 * loopback socket over HOSTS hosts (the host directory's records, synthetic inventories of PER_HOST
 * real bookworm packages) assessed for real against a generated tracker of CVES CVEs. Prints one
 * JSON line {url, token, pid} when ready. On stdin, `change N` gives N hosts a new inventory (one
 * package upgraded, a new collection time) and answers `changed`; `quit` exits (a --cpu-prof run
 * writes its profile then).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiModule } from '../../daemon/api/api-module.js';
import { AssessService } from '../../daemon/assess/assess-service.js';
import { AuthService } from '../../daemon/auth/auth-service.js';
import { SetupCode } from '../../daemon/auth/setup-code.js';
import { CatalogIndex } from '../../daemon/catalog/catalog-index.js';
import type { CatalogService } from '../../daemon/catalog/catalog-service.js';
import { parseDebianTracker } from '../../daemon/catalog/feeds/debian-tracker.js';
import type { HostRecord } from '../../daemon/hosts/host-record.js';
import { HttpServer } from '../../daemon/http-server.js';
import type { HostInventory } from '../../daemon/inventory/types.js';
import { createLogger } from '../../daemon/log.js';
import { Metrics } from '../../daemon/reports/metrics.js';
import { StateStore } from '../../daemon/store/state-store.js';
import { createWebApp } from '../../web/app.js';
import { loadStaticAssets } from '../../web/static-assets.js';
import { hostFactory, realPackages, trackerJson } from '../assess/generate.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 5000);
const PER_HOST = Number(process.env.BENCH_PER_HOST ?? 300);
const CVES = Number(process.env.BENCH_CVES ?? 20_000);

const dataDir = await mkdtemp(join(tmpdir(), 'pd-bench-console-'));
const log = createLogger({ level: 'warn', format: 'pretty', sink: process.stderr });

// The catalog: a real index over a parsed tracker, behind the two methods assessment reads.
const pkgs = realPackages();
const index = new CatalogIndex(1);
index.add('debian', parseDebianTracker(trackerJson(pkgs, CVES)).advisories);
const catalog = { index: () => index, onChange: () => () => {} } as unknown as CatalogService;

// Hosts and their inventories, kept in memory as the daemon's files would give them.
const make = hostFactory(pkgs, PER_HOST);
const records: HostRecord[] = [];
const inventories = new Map<string, HostInventory>();
for (let i = 0; i < HOSTS; i++) {
  const id = `h-${i.toString(16).padStart(10, '0')}`;
  records.push({
    id,
    createdAt: '2026-11-01T00:00:00.000Z',
    mac: null,
    assetId: null,
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    aliases: [],
    lastMove: null,
    events: [],
  });
  inventories.set(id, { ...make(i), hostId: id });
}
const assess = new AssessService({
  catalog,
  inventories: { ids: async () => [...inventories.keys()], get: async (id) => inventories.get(id) },
  log,
});
await assess.start();
await assess.current();

const store = new StateStore({ dataDir, debounceMs: 50, maxDelayMs: 500, log });
await store.start();
const api = new ApiModule({
  dataDir,
  requestsPerMinute: 100_000_000,
  siteName: 'bench site',
  version: 'bench',
  sources: {
    assess,
    hosts: {
      list: () => records,
      count: () => records.length,
      label: (id) => records.find((r) => r.id === id)?.address ?? id,
    },
  },
  log,
});
await api.start();
const { token } = await api.tokens.create(
  { name: 'bench', scopes: ['console:read'], expiresInDays: null },
  '127.0.0.1',
);
const app = createWebApp({
  auth: new AuthService(store, {
    setupCode: new SetupCode(dataDir),
    sessionTtlHours: 1,
    loginAttemptsPerMinute: 5,
    log,
  }),
  store,
  metrics: new Metrics(() => store.writes),
  log,
  version: 'bench',
  secureCookies: false,
  startedAt: new Date(),
  assets: await loadStaticAssets(),
  remoteAddr: () => '127.0.0.1',
  assess,
  api,
});
const server = new HttpServer({
  host: '127.0.0.1',
  port: 0,
  fetch: app.fetch,
  log,
  limits: { maxConnectionsPerClient: 10_000, maxConnections: 10_000 },
});
await server.start();
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${server.address!.port}`, token, pid: process.pid })}\n`,
);

let changedAt = Date.parse('2026-12-01T00:00:00.000Z');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'quit') process.exit(0);
  const m = /^change (\d+)$/.exec(line.trim());
  if (!m) continue;
  const ids = [...inventories.keys()];
  for (let k = 0; k < Number(m[1]); k++) {
    const id = ids[(k * 7919) % ids.length]!;
    const inv = inventories.get(id)!;
    changedAt += 1000;
    // An upgrade: the first package gets a newer revision, as an apt upgrade would leave it.
    const [first, ...rest] = inv.packages;
    inventories.set(id, {
      ...inv,
      collectedAt: new Date(changedAt).toISOString(),
      packages: [{ ...first!, version: `${first!.version}+b${randomBytes(1)[0]}` }, ...rest],
    });
  }
  assess.invalidate();
  await assess.current();
  process.stdout.write('changed\n');
}
