/**
 * bench/console: what hundreds of consoles cost a site (issue 11).
 *  A. CLIENTS console clients poll /api/v1/summary with If-None-Match for SECONDS against the
 *     appliance (appliance.ts, its own process) holding HOSTS assessed hosts: requests/s, p50/p99
 *     latency, the appliance's RSS before and after and its peak. The peer is nginx serving the
 *     same summary bytes as a static file with its own ETags, polled the same way: the ratio is
 *     ours / nginx's.
 *  B. A full pull of the change feed (since=0, pages of 500) vs an incremental pull after 10 hosts
 *     changed: bytes and time. Goal: the incremental pull costs under 1% of the full one.
 *   BENCH_HOSTS=5000 BENCH_CLIENTS=200 BENCH_SECONDS=30 npm run bench console
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startNginx } from '../cache/peers.js';
import { percentile } from '../percentile.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const here = fileURLToPath(new URL('.', import.meta.url));

const kib = (status: string, key: string): number =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
const memory = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: kib(s, 'VmRSS') / 1024, peakMiB: kib(s, 'VmHWM') / 1024 };
};

// --- the appliance ------------------------------------------------------------------------------
const t0 = performance.now();
const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'appliance.ts')], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
const ready = JSON.parse((await lines.next()).value as string) as { url: string; token: string; pid: number };
const setupS = (performance.now() - t0) / 1000;
const auth = { authorization: `Bearer ${ready.token}` };

/** CLIENTS loops, each asking again as soon as it has its answer, for SECONDS. */
const poll = async (url: string, headers: Record<string, string>) => {
  const agent = new Agent({ connections: CLIENTS, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const until = performance.now() + SECONDS * 1000;
  const client = async () => {
    let etag: string | undefined;
    while (performance.now() < until) {
      const t = performance.now();
      const res = await request(url, {
        dispatcher: agent,
        headers: { ...headers, ...(etag ? { 'if-none-match': etag } : {}) },
      });
      await res.body.dump();
      latencies.push(performance.now() - t);
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      const tag = res.headers.etag;
      if (typeof tag === 'string') etag = tag;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await agent.close();
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / SECONDS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses,
  };
};

const before = memory(ready.pid);
const ours = await poll(`${ready.url}/api/v1/summary`, auth);
const after = memory(ready.pid);

// --- the peer: nginx serving the same summary bytes as a file -------------------------------------
const work = await mkdtemp(join(tmpdir(), 'pd-bench-console-nginx-'));
await mkdir(join(work, 'www'));
// nginx's worker runs as nobody: the temp dir must be readable to it.
await chmod(work, 0o755);
const body = await (await request(`${ready.url}/api/v1/summary`, { headers: auth })).body.text();
await writeFile(join(work, 'www', 'summary.json'), body);
const nginx = await startNginx(join(work, 'nginx'), join(work, 'www'));
const peer = await poll(`http://127.0.0.1:${nginx.port}/summary.json`, {});
await nginx.stop();
await rm(work, { recursive: true, force: true });

// --- B: full vs incremental pull -----------------------------------------------------------------
const pull = async (since: number) => {
  const t = performance.now();
  let bytes = 0;
  let items = 0;
  let next = since;
  for (let more = true; more; ) {
    const res = await request(`${ready.url}/api/v1/changes?since=${next}&limit=500`, { headers: auth });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`changes answered ${res.statusCode}: ${text.slice(0, 200)}`);
    bytes += Buffer.byteLength(text);
    const page = JSON.parse(text) as { items: unknown[]; next: number; more: boolean };
    items += page.items.length;
    next = page.next;
    more = page.more;
  }
  return { bytes, items, ms: performance.now() - t, next };
};
const full = await pull(0);
child.stdin!.write('change 10\n');
await lines.next();
// The feed compares what a console would see at most every 10 s.
await new Promise((r) => setTimeout(r, 10_500));
const incremental = await pull(full.next);
child.kill('SIGTERM');

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(
  `\nConsole polling: ${CLIENTS} clients for ${SECONDS} s, the appliance holding ${process.env.BENCH_HOSTS ?? 5000} hosts (ready in ${fmt(setupS)} s)`,
);
console.table({
  'Patch Depot /api/v1/summary': {
    'req/s': Math.round(ours.rps),
    'p50 ms': fmt(ours.p50),
    'p99 ms': fmt(ours.p99),
    statuses: JSON.stringify(ours.statuses),
  },
  'nginx, same bytes as a file': {
    'req/s': Math.round(peer.rps),
    'p50 ms': fmt(peer.p50),
    'p99 ms': fmt(peer.p99),
    statuses: JSON.stringify(peer.statuses),
  },
});
console.log(`ratio ours/nginx: req/s ${fmt(ours.rps / peer.rps, 2)}, p99 ${fmt(ours.p99 / peer.p99, 2)}`);
console.log(
  `appliance RSS: ${fmt(before.rssMiB)} MiB before, ${fmt(after.rssMiB)} MiB after, peak ${fmt(after.peakMiB)} MiB`,
);
console.log(
  `\nChange feed: full pull ${full.items} hosts, ${fmt(full.bytes / 1024)} KiB in ${fmt(full.ms)} ms; after 10 host changes ${incremental.items} hosts, ${fmt(incremental.bytes / 1024, 2)} KiB in ${fmt(incremental.ms)} ms`,
);
const share = incremental.bytes / full.bytes;
console.log(
  `incremental / full: bytes ${fmt(share * 100, 3)} %, time ${fmt((incremental.ms / full.ms) * 100, 2)} %; goal < 1 %: ${share < 0.01 ? 'met' : 'NOT met'}`,
);
console.log(
  `BENCH ${JSON.stringify({
    bench: 'console',
    clients: CLIENTS,
    seconds: SECONDS,
    ours,
    nginx: peer,
    rssMiB: { before: before.rssMiB, after: after.rssMiB, peak: after.peakMiB },
    full,
    incremental,
    incrementalShare: share,
  })}`,
);
process.exit(0);
