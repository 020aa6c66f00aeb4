/**
 * TFTP benchmark: tftpd-hpa's `in.tftpd` and Patch Depot's TFTP service, side by side on two
 * ports in the lab's appliance namespace (each run fetches from one, then the other, taking
 * turns at going first, so load elsewhere falls on both alike; one unmeasured fetch from each
 * warms both first), serving the same random file to atftp in a `phone` namespace at blksize
 * 1468 and windowsize 1 and 16, on a clean link and with 5% of TFTP DATA/ACK packets dropped
 * (nft in the phone's namespace; the option handshake is spared). Every fetch is checked by
 * sha256. Reports the median time per case, ours/tftpd-hpa, and each server's peak RSS. Nothing
 * leaves the lab's namespaces.
 *   BENCH_TFTP_BYTES (clean, default 40 MB), BENCH_TFTP_LOSSY_BYTES, BENCH_RUNS,
 *   BENCH_TFTP_CASES (only these cases, `;`-separated names, e.g. `clean, windowsize 1`),
 *   BENCH_TFTP_PROFILE (a directory: our server writes a V8 CPU profile there)
 *   LAB_PREFIX (default hb: the lab's name starts with it)
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab, type Lab } from '../../scripts/lab/lab.js';
import { setUdpLoss, TFTP_BLOCKS } from '../../scripts/lab/packet-filter.js';
import { atftpGet } from '../../test/support/atftp.js';
import { PeakRss, type PeakRssKb } from './peak-rss.js';
import { inTftpdPath, tftpBenchUnavailableReason } from './requirements.js';
import {
  bundleServe,
  type RunningServer,
  type ServerSpec,
  startPatchDepot,
  startTftpdHpa,
} from './servers.js';

const CLEAN_BYTES = Number(process.env.BENCH_TFTP_BYTES ?? 40_000_000);
// atftp re-ACKs a duplicate only once, so a double loss costs its own 5 s timer; and tftpd-hpa
// waits 1 s before its first resend. A smaller file under loss keeps the whole run to minutes.
const LOSSY_BYTES = Math.min(CLEAN_BYTES, Number(process.env.BENCH_TFTP_LOSSY_BYTES ?? 500_000));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BLKSIZE = 1468;
/** Both servers run at once on the appliance's lab address, each on its own port. */
const PORTS = { 'tftpd-hpa': 69, 'patch-depot': 1069 } as const;
const SERVERS = ['tftpd-hpa', 'patch-depot'] as const;
type ServerName = (typeof SERVERS)[number];

interface Case {
  name: string;
  loss: number;
  windowsize: number;
  bytes: number;
}
const ONLY = (process.env.BENCH_TFTP_CASES ?? '')
  .split(';')
  .map((s) => s.trim())
  .filter(Boolean);
const ALL_CASES: Case[] = [0, 5].flatMap((loss) =>
  [1, 16].map((windowsize) => ({
    name: `${loss ? `${loss}% loss` : 'clean'}, windowsize ${windowsize}`,
    loss,
    windowsize,
    bytes: loss ? LOSSY_BYTES : CLEAN_BYTES,
  })),
);
const unknownCases = ONLY.filter((name) => !ALL_CASES.some((c) => c.name === name));
if (unknownCases.length > 0) {
  const known = ALL_CASES.map((c) => `'${c.name}'`).join(', ');
  throw new Error(
    `BENCH_TFTP_CASES: no case named ${unknownCases.map((n) => `'${n}'`).join(', ')} (cases: ${known})`,
  );
}
const CASES = ALL_CASES.filter((c) => ONLY.length === 0 || ONLY.includes(c.name));

interface Measured {
  case: string;
  server: ServerName;
  bytes: number;
  runsMs: number[];
  medianMs: number;
  mbPerSec: number;
  verified: number;
}

/** Median of the fetches that completed (a failed one has no time); NaN when none did. */
const median = (all: number[]): number => {
  const xs = all.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return xs.length ? xs[Math.floor(xs.length / 2)]! : Number.NaN;
};
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** One fetch from the phone: its time in ms, and whether the sha256 matched. */
const fetchOnce = async (
  lab: Lab,
  port: number,
  c: Case,
  file: { name: string; sha: string },
  out: string,
): Promise<{ ms: number; ok: boolean }> => {
  const t0 = performance.now();
  try {
    await atftpGet({
      ns: lab.host('phone').ns,
      server: lab.applianceIp,
      port,
      file: file.name,
      out,
      options: { blksize: BLKSIZE, windowsize: c.windowsize },
      timeoutSeconds: 900,
    });
  } catch (err) {
    // The client gave up (atftp aborts after its retries under loss): a failed fetch, counted
    // and reported as one, not the end of the benchmark.
    const why = (err as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? (err as Error).message;
    console.log(`    fetch from port ${port} failed: ${why}`);
    await rm(out, { force: true });
    return { ms: Number.NaN, ok: false };
  }
  const ms = performance.now() - t0;
  const ok = sha(await readFile(out)) === file.sha;
  await rm(out);
  return { ms, ok };
};

/**
 * Every case against both servers, running side by side: each run fetches from both, one right
 * after the other and taking turns at going first, so a burst of load elsewhere on the machine
 * falls on both alike.
 */
const measureAll = async (
  lab: Lab,
  running: Record<ServerName, RunningServer & { port: number }>,
  files: Map<number, { name: string; sha: string }>,
  dir: string,
): Promise<Measured[]> => {
  const phone = lab.host('phone').ns;
  const rows: Measured[] = [];
  // One unmeasured fetch from each first, on a clean link: a server runs for months, so its
  // first transfer after starting (page cache, our JIT) is not what a device meets.
  await setUdpLoss(phone, 0);
  const [warm] = [...files.values()];
  for (const server of SERVERS) {
    const c = { name: 'warm-up', loss: 0, windowsize: 16, bytes: 0 };
    await fetchOnce(lab, running[server].port, c, warm!, join(dir, `warm-${server}`));
  }
  for (const c of CASES) {
    await setUdpLoss(phone, c.loss, TFTP_BLOCKS);
    const file = files.get(c.bytes)!;
    const runs = { 'tftpd-hpa': [] as number[], 'patch-depot': [] as number[] };
    const verified = { 'tftpd-hpa': 0, 'patch-depot': 0 };
    for (let i = 0; i < RUNS; i++) {
      // Turn about: neither server always goes first (or always follows the other's transfer).
      for (const server of i % 2 ? [...SERVERS].reverse() : SERVERS) {
        const got = await fetchOnce(lab, running[server].port, c, file, join(dir, `got-${server}`));
        runs[server].push(got.ms);
        if (got.ok) verified[server]++;
      }
    }
    for (const server of SERVERS) {
      const medianMs = median(runs[server]);
      rows.push({
        case: c.name,
        server,
        bytes: c.bytes,
        runsMs: runs[server].map(Math.round),
        medianMs: Math.round(medianMs),
        mbPerSec: +(c.bytes / 1e6 / (medianMs / 1000)).toFixed(2),
        verified: verified[server],
      });
      console.log(
        `  ${server.padEnd(12)} ${c.name.padEnd(26)} ${runs[server].map((ms) => (Number.isNaN(ms) ? 'failed' : `${Math.round(ms)} ms`)).join(' ')}  (${verified[server]}/${RUNS} sha256 ok)`,
      );
    }
  }
  await setUdpLoss(phone, 0);
  return rows;
};

const writeFiles = async (root: string): Promise<Map<number, { name: string; sha: string }>> => {
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755); // in.tftpd reads as `nobody`
  const files = new Map<number, { name: string; sha: string }>();
  for (const bytes of new Set(CASES.map((c) => c.bytes))) {
    const body = randomBytes(bytes);
    const name = `bench-${bytes}.bin`;
    await writeFile(join(root, name), body, { mode: 0o644 });
    files.set(bytes, { name, sha: sha(body) });
  }
  return files;
};

const report = (rows: Measured[], rss: Record<ServerName, PeakRssKb>, lab: Lab): void => {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e6 ? 2 : 1)} MB`;
  console.log(
    `\natftp from a lab phone, blksize ${BLKSIZE}, ${RUNS} run(s) per case, median; every fetch sha256-checked`,
  );
  console.log(
    `clean file ${mb(CLEAN_BYTES)}, lossy file ${mb(LOSSY_BYTES)} (5% of TFTP DATA/ACK dropped both ways)\n`,
  );
  console.log(
    `${'case'.padEnd(26)}${'size'.padStart(10)}${'tftpd-hpa'.padStart(12)}${'ours'.padStart(12)}${'ours/hpa'.padStart(10)}${'hpa MB/s'.padStart(10)}${'our MB/s'.padStart(10)}`,
  );
  const summary = CASES.map((c) => {
    const get = (s: ServerName) => rows.find((r) => r.case === c.name && r.server === s)!;
    const [hpa, ours] = [get('tftpd-hpa'), get('patch-depot')];
    const ratio = +(ours.medianMs / hpa.medianMs).toFixed(3);
    console.log(
      `${c.name.padEnd(26)}${mb(c.bytes).padStart(10)}${`${hpa.medianMs} ms`.padStart(12)}${`${ours.medianMs} ms`.padStart(12)}${ratio.toFixed(2).padStart(10)}${String(hpa.mbPerSec).padStart(10)}${String(ours.mbPerSec).padStart(10)}`,
    );
    return {
      case: c.name,
      loss: c.loss,
      windowsize: c.windowsize,
      bytes: c.bytes,
      tftpdHpaMs: hpa.medianMs,
      oursMs: ours.medianMs,
      ratio,
    };
  });
  console.log('\npeak RSS (VmHWM of the largest process / largest sum over the process tree):');
  for (const s of SERVERS)
    console.log(
      `  ${s.padEnd(12)} ${(rss[s].process / 1024).toFixed(1)} MiB / ${(rss[s].tree / 1024).toFixed(1)} MiB`,
    );
  console.log(
    '  (in.tftpd forks one child per transfer; ours is one node process running serve.ts bundled to plain JavaScript)',
  );
  console.log(
    'note: tftpd-hpa 5.2 has no windowsize (RFC 7440): it leaves the option out of its OACK, so atftp sends one block at a time',
  );
  const allVerified = rows.every((r) => r.verified === RUNS);
  const goal = summary.every((s) => s.ratio <= 1);
  console.log(
    `\ngoal: ours/tftpd-hpa <= 1.0 in every case -> ${goal ? 'met' : 'NOT met'}; all fetches verified: ${allVerified}`,
  );
  const results = rows.map(({ runsMs: _, ...r }) => r);
  console.log(
    `BENCH ${JSON.stringify({ bench: 'tftp', subnet: lab.subnet, blksize: BLKSIZE, runs: RUNS, cleanBytes: CLEAN_BYTES, lossyBytes: LOSSY_BYTES, allVerified, summary, results, peakRssKb: rss })}`,
  );
};

const main = async (): Promise<void> => {
  const why = tftpBenchUnavailableReason();
  if (why) {
    console.log(`bench/tftp skipped: ${why}`);
    console.log(`BENCH ${JSON.stringify({ bench: 'tftp', skipped: why })}`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pd-bench-tftp-'));
  const lab = await createLab({
    name: `${process.env.LAB_PREFIX ?? 'hb'}${randomBytes(2).toString('hex')}`,
    hosts: [{ kind: 'ping', label: 'phone' }],
  });
  try {
    const root = join(dir, 'root');
    const files = await writeFiles(root);
    const spec = (port: number, name: string): ServerSpec => ({
      ns: lab.applianceNs,
      address: lab.applianceIp,
      port,
      root,
      dataDir: join(dir, `data-${name}`),
      client: lab.host('phone').ip,
    });
    const bundle = await bundleServe(dir);
    const hpa = await startTftpdHpa(spec(PORTS['tftpd-hpa'], 'hpa'), inTftpdPath()!);
    const ours = await startPatchDepot(spec(PORTS['patch-depot'], 'ours'), bundle).catch(async (err) => {
      await hpa.stop();
      throw err;
    });
    const running = {
      'tftpd-hpa': { ...hpa, port: PORTS['tftpd-hpa'] },
      'patch-depot': { ...ours, port: PORTS['patch-depot'] },
    };
    const peaks = { 'tftpd-hpa': new PeakRss(hpa.pid), 'patch-depot': new PeakRss(ours.pid) };
    let rows: Measured[];
    let rss: Record<ServerName, PeakRssKb>;
    try {
      rows = await measureAll(lab, running, files, dir);
    } finally {
      rss = { 'tftpd-hpa': peaks['tftpd-hpa'].finish(), 'patch-depot': peaks['patch-depot'].finish() };
      await Promise.all([hpa.stop(), ours.stop()]);
    }
    report(rows, rss, lab);
  } finally {
    await lab.down();
    await rm(dir, { recursive: true, force: true });
  }
};

await main();
