/**
 * bench/cache: the patch cache against its peers on loopback, in one run.
 *  A. A cached 100 MB file served by our proxy port vs nginx (sendfile) under wrk: throughput
 *     ratio and CPU seconds per GB served (server process tree only).
 *  B. 100 concurrent clients asking for one uncached 32 MB artifact from a slow loopback upstream,
 *     through our cache vs apt-cacher-ng: upstream requests and bytes, time to first byte.
 * Goals (issue 15): CPU per GB served <= 1.3x nginx's; the stampede with exactly 1 upstream fetch
 * and 1x upstream bytes, TTFB p50 and wall time <= apt-cacher-ng's. Both proxies are warmed up
 * with a small joined download first, so neither is measured on its first connections or requests.
 * The machine's load average is printed with every figure: the benches share their CPUs.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Origin } from '../../test/support/cache-origin.js';
import { percentile } from '../percentile.js';
import { stampedeClients, viaProxy } from './clients.js';
import { cpuSeconds, lowFreePort, type Running, startAptCacherNg, startNginx, startOurs } from './peers.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
const BIG = 100 * MB;
const ARTIFACT = 32 * MB;
const CLIENTS = 100;
/** Worker threads the clients run in (see clients.ts). */
const CLIENT_THREADS = 4;
/** Stampede rounds per proxy (BENCH_ROUNDS), alternated. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WRK_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** BENCH_PARTS=A or B runs one half (for quick iterations); the default runs both. */
const PARTS = process.env.BENCH_PARTS ?? 'AB';

const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const goal = (ok: boolean): string => (ok ? 'met' : 'NOT met');

const unit: Record<string, number> = { B: 1, KB: 1024, MB: MB, GB: 1024 * MB, TB: 1024 * 1024 * MB };

interface WrkResult {
  bytesPerSec: number;
  requests: number;
  bytes: number;
  seconds: number;
}

const wrk = async (url: string): Promise<WrkResult> => {
  const { stdout } = await run('wrk', ['-t1', '-c4', `-d${WRK_SECONDS}s`, url], { maxBuffer: 1 << 20 });
  const m = /(\d+) requests in ([\d.]+)(ms|s|m), ([\d.]+)([KMGT]?B) read/.exec(stdout);
  if (!m) throw new Error(`cannot parse wrk output:\n${stdout}`);
  const seconds = Number(m[2]) * (m[3] === 'ms' ? 0.001 : m[3] === 'm' ? 60 : 1);
  const bytes = Number(m[4]) * unit[m[5]!]!;
  if (/Non-2xx/.test(stdout)) throw new Error(`wrk saw errors:\n${stdout}`);
  return { bytesPerSec: bytes / seconds, requests: Number(m[1]), bytes, seconds };
};

const measure = async (server: Running, url: string) => {
  const cpu0 = cpuSeconds(server.proc.pid!);
  const w = await wrk(url);
  const cpu = cpuSeconds(server.proc.pid!) - cpu0;
  return { ...w, cpuPerGB: cpu / (w.bytes / (1024 * MB)) };
};

/**
 * Warm-up: 10 clients join one small download, then one more gets it as a hit, so the joiner and
 * hit code paths (and connections) are warm on both proxies before anything is measured.
 */
const warmUp = async (origin: Origin, proxyPort: number, path: string, body: Buffer): Promise<void> => {
  const url = origin.put(path, { body, etag: `"${path}"` });
  const want = createHash('sha256').update(body).digest('hex');
  const joined = await Promise.all(Array.from({ length: 10 }, () => viaProxy(proxyPort, url, want)));
  const hit = await viaProxy(proxyPort, url, want);
  if (!hit.ok || joined.some((r) => !r.ok)) throw new Error(`warm-up through port ${proxyPort} failed`);
};

const stampede = async (origin: Origin, proxyPort: number, path: string, body: Buffer) => {
  const url = origin.put(path, { body, etag: `"${path}"` });
  const want = createHash('sha256').update(body).digest('hex');
  const { results, wallSeconds } = await stampedeClients({ proxyPort, url, want }, CLIENTS, CLIENT_THREADS);
  const ttfb = results.map((r) => r.ttfbMs).filter((x) => x >= 0);
  return {
    upstreamRequests: origin.count(path),
    upstreamBytesRatio: (origin.sentByPath.get(path) ?? 0) / body.length,
    ttfbP50Ms: percentile(ttfb, 50),
    ttfbP95Ms: percentile(ttfb, 95),
    ttfbMaxMs: Math.max(...ttfb),
    wallSeconds,
    correct: results.filter((r) => r.ok).length,
  };
};

const gb = (n: number) => `${(n / (1024 * MB)).toFixed(2)} GB/s`;

/** A. A cached 100 MB file: our proxy port vs nginx. */
const partA = async (dir: string, stops: Array<() => Promise<void>>) => {
  const www = join(dir, 'www');
  await mkdir(join(www, 'pool'), { recursive: true });
  await writeFile(join(www, 'pool', 'big_1_all.deb'), randomBytes(BIG), { mode: 0o644 });
  // nginx workers run as an unprivileged user: they must be able to reach the file.
  for (const d of [dir, www, join(www, 'pool')]) await chmod(d, 0o755);
  const nginx = await startNginx(join(dir, 'nginx'), www);
  stops.push(nginx.stop);
  const ours = await startOurs(join(dir, 'ours-a'), `http://127.0.0.1:${nginx.port}/`);
  stops.push(ours.stop);
  const direct = `http://127.0.0.1:${ours.port}/cache/127.0.0.1:${nginx.port}/pool/big_1_all.deb`;
  await (await fetch(direct)).arrayBuffer();
  const check = await fetch(direct, { method: 'HEAD' });
  if (check.headers.get('x-cache') !== 'HIT') throw new Error('warm-up did not cache the file');
  const ng = await measure(nginx, `http://127.0.0.1:${nginx.port}/pool/big_1_all.deb`);
  const us = await measure(ours, direct);
  console.log(`\nA. cached 100 MB file, wrk -t1 -c4, loopback (load average ${load()})`);
  const row = (r: typeof ng) => ({
    throughput: gb(r.bytesPerSec),
    requests: r.requests,
    'cpu s/GB': r.cpuPerGB.toFixed(3),
  });
  console.table({ nginx: row(ng), 'patch-depot': row(us) });
  const cpuRatio = us.cpuPerGB / ng.cpuPerGB;
  console.log(
    `throughput ratio patch-depot/nginx: ${(us.bytesPerSec / ng.bytesPerSec).toFixed(2)} (goal >= 0.9): ${goal(us.bytesPerSec >= 0.9 * ng.bytesPerSec)}`,
  );
  console.log(`CPU per GB patch-depot/nginx: ${cpuRatio.toFixed(2)} (goal <= 1.3): ${goal(cpuRatio <= 1.3)}`);
  return {
    nginxBytesPerSec: Math.round(ng.bytesPerSec),
    oursBytesPerSec: Math.round(us.bytesPerSec),
    ratio: Number((us.bytesPerSec / ng.bytesPerSec).toFixed(3)),
    nginxCpuSecPerGB: Number(ng.cpuPerGB.toFixed(3)),
    oursCpuSecPerGB: Number(us.cpuPerGB.toFixed(3)),
    cpuRatio: Number(cpuRatio.toFixed(3)),
    load: load(),
  };
};

type Stampede = Awaited<ReturnType<typeof stampede>>;

/** B. 100 clients on one uncached artifact from a slow upstream: ours vs apt-cacher-ng. */
const partB = async (dir: string, stops: Array<() => Promise<void>>) => {
  const origin = new Origin();
  await origin.start(await lowFreePort());
  stops.push(() => origin.stop());
  const artifact = randomBytes(ARTIFACT);
  const ours = await startOurs(join(dir, 'ours-b'), `${origin.base}/`);
  stops.push(ours.stop);
  const acng = await startAptCacherNg(join(dir, 'acng'), origin.port);
  stops.push(acng.stop);
  const warm = randomBytes(MB);
  await warmUp(origin, ours.port, '/debian/pool/main/o/warm_1_all.deb', warm);
  await warmUp(origin, acng.port, '/debian/pool/main/a/warm_1_all.deb', warm);
  // Rounds in the order ours, acng, acng, ours (and so on): the machine's load drifts over a
  // run, and this order gives both the same share of it. Each round is a new, uncached file.
  const peers = [
    { name: 'patch-depot', port: ours.port, dir: 'o', runs: [] as Stampede[] },
    { name: 'apt-cacher-ng', port: acng.port, dir: 'a', runs: [] as Stampede[] },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const peer of round % 2 === 0 ? peers : [...peers].reverse()) {
      const path = `/debian/pool/main/${peer.dir}/${peer.dir}${round}_1_all.deb`;
      origin.trickle.set(path, 2);
      peer.runs.push(await stampede(origin, peer.port, path, artifact));
    }
  }
  console.log(
    `\nB. ${CLIENTS} concurrent clients, one uncached ${ARTIFACT / MB} MB artifact, slow loopback upstream, ${ROUNDS} rounds each (load average ${load()})`,
  );
  const row = (r: Stampede) => ({
    'upstream requests': r.upstreamRequests,
    'upstream bytes (x file)': r.upstreamBytesRatio.toFixed(3),
    'ttfb p50 ms': r.ttfbP50Ms.toFixed(0),
    'ttfb p95 ms': r.ttfbP95Ms.toFixed(0),
    'ttfb max ms': r.ttfbMaxMs.toFixed(0),
    'wall s': r.wallSeconds.toFixed(1),
    'correct clients': `${r.correct}/${CLIENTS}`,
  });
  console.table(
    Object.fromEntries(peers.flatMap((p) => p.runs.map((r, i) => [`${p.name} #${i + 1}`, row(r)]))),
  );
  const mean = (runs: Stampede[], f: (r: Stampede) => number) =>
    runs.reduce((a, r) => a + f(r), 0) / runs.length;
  const [us, them] = peers.map((p) => ({
    ttfbP50Ms: mean(p.runs, (r) => r.ttfbP50Ms),
    wallSeconds: mean(p.runs, (r) => r.wallSeconds),
  })) as [{ ttfbP50Ms: number; wallSeconds: number }, { ttfbP50Ms: number; wallSeconds: number }];
  const single = peers[0]!.runs.every(
    (r) => r.upstreamRequests === 1 && r.upstreamBytesRatio === 1 && r.correct === CLIENTS,
  );
  console.log(`exactly 1 upstream fetch, every client correct, every round: ${goal(single)}`);
  console.log(
    `TTFB p50 (mean of rounds) ${us.ttfbP50Ms.toFixed(0)} ms vs apt-cacher-ng ${them.ttfbP50Ms.toFixed(0)} ms: ${goal(us.ttfbP50Ms <= them.ttfbP50Ms)}`,
  );
  console.log(
    `wall (mean of rounds) ${us.wallSeconds.toFixed(1)} s vs apt-cacher-ng ${them.wallSeconds.toFixed(1)} s: ${goal(us.wallSeconds <= them.wallSeconds)}`,
  );
  return {
    load: load(),
    clients: CLIENTS,
    artifactBytes: ARTIFACT,
    ours: peers[0]!.runs,
    aptCacherNg: peers[1]!.runs,
  };
};

const main = async (): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'pd-bench-cache-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    try {
      await run('wrk', ['--version']).catch((e: { stdout?: string }) => {
        if (!e.stdout?.includes('wrk')) throw e;
      });
    } catch {
      throw new Error('wrk is not installed: apt-get install -y wrk (listed in .ci/apt-packages.txt)');
    }
    const throughput = PARTS.includes('A') ? await partA(dir, stops) : undefined;
    const stampedeResult = PARTS.includes('B') ? await partB(dir, stops) : undefined;
    console.log(`BENCH ${JSON.stringify({ name: 'cache', throughput, stampede: stampedeResult })}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
};

await main();
