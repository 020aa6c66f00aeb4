/**
 * TFTP benchmark: tftpd-hpa's `in.tftpd` and Patch Depot's TFTP service, one after the other in
 * the lab's appliance namespace, each serving the same random file to atftp in a `phone`
 * namespace at blksize 1468 and windowsize 1 and 16, on a clean link and with 5% of TFTP
 * DATA/ACK packets dropped (nft in the phone's namespace; the option handshake is spared). Every
 * fetch is checked by sha256. Reports the median time per case, ours/tftpd-hpa, and each
 * server's peak RSS. Nothing leaves the lab's namespaces.
 *   BENCH_TFTP_BYTES (clean, default 40 MB), BENCH_TFTP_LOSSY_BYTES, BENCH_RUNS
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
const PORT = 69;
const SERVERS = ['tftpd-hpa', 'patch-depot'] as const;
type ServerName = (typeof SERVERS)[number];

interface Case {
  name: string;
  loss: number;
  windowsize: number;
  bytes: number;
}
const CASES: Case[] = [0, 5].flatMap((loss) =>
  [1, 16].map((windowsize) => ({
    name: `${loss ? `${loss}% loss` : 'clean'}, windowsize ${windowsize}`,
    loss,
    windowsize,
    bytes: loss ? LOSSY_BYTES : CLEAN_BYTES,
  })),
);

interface Measured {
  case: string;
  server: ServerName;
  bytes: number;
  runsMs: number[];
  medianMs: number;
  mbPerSec: number;
  verified: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** Every case against one server, fetched from the phone; returns the timings and its peak RSS. */
const measureServer = async (
  lab: Lab,
  server: ServerName,
  running: RunningServer,
  files: Map<number, { name: string; sha: string }>,
  dir: string,
): Promise<{ rows: Measured[]; rss: PeakRssKb }> => {
  const rss = new PeakRss(running.pid);
  const phone = lab.host('phone').ns;
  const rows: Measured[] = [];
  for (const c of CASES) {
    await setUdpLoss(phone, c.loss, TFTP_BLOCKS);
    const file = files.get(c.bytes)!;
    const runsMs: number[] = [];
    let verified = 0;
    for (let i = 0; i < RUNS; i++) {
      const out = join(dir, `got-${server}-${c.loss}-${c.windowsize}-${i}`);
      const options = { blksize: BLKSIZE, windowsize: c.windowsize };
      const t0 = performance.now();
      await atftpGet({
        ns: phone,
        server: lab.applianceIp,
        port: PORT,
        file: file.name,
        out,
        options,
        timeoutSeconds: 900,
      });
      runsMs.push(performance.now() - t0);
      if (sha(await readFile(out)) === file.sha) verified++;
      await rm(out);
    }
    const medianMs = median(runsMs);
    const mbPerSec = +(c.bytes / 1e6 / (medianMs / 1000)).toFixed(2);
    rows.push({
      case: c.name,
      server,
      bytes: c.bytes,
      runsMs: runsMs.map(Math.round),
      medianMs: Math.round(medianMs),
      mbPerSec,
      verified,
    });
    console.log(
      `  ${server.padEnd(12)} ${c.name.padEnd(26)} ${runsMs.map((ms) => `${Math.round(ms)} ms`).join(' ')}  (${verified}/${RUNS} sha256 ok)`,
    );
  }
  await setUdpLoss(phone, 0);
  return { rows, rss: rss.finish() };
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
    name: `hb${randomBytes(2).toString('hex')}`,
    hosts: [{ kind: 'ping', label: 'phone' }],
  });
  try {
    const root = join(dir, 'root');
    const files = await writeFiles(root);
    const spec: ServerSpec = {
      ns: lab.applianceNs,
      address: lab.applianceIp,
      port: PORT,
      root,
      dataDir: join(dir, 'data'),
      client: lab.host('phone').ip,
    };
    const bundle = await bundleServe(dir);
    const rows: Measured[] = [];
    const rss = {} as Record<ServerName, PeakRssKb>;
    for (const server of SERVERS) {
      const running =
        server === 'tftpd-hpa'
          ? await startTftpdHpa(spec, inTftpdPath()!)
          : await startPatchDepot(spec, bundle);
      try {
        const measured = await measureServer(lab, server, running, files, dir);
        rows.push(...measured.rows);
        rss[server] = measured.rss;
      } finally {
        await running.stop();
      }
    }
    report(rows, rss, lab);
  } finally {
    await lab.down();
    await rm(dir, { recursive: true, force: true });
  }
};

await main();
