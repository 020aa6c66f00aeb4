/**
 * bench/inventory: agentless SSH collection against OpenSSH's own client, in one run, on a real
 * sshd on 127.0.0.1 reading this machine's dpkg database.
 *  A. One host, sequential: our InventoryService (ssh2, one session, two channels: the bundled
 *     facts, then the package list) vs `ssh` running the same four scripts one by one over one
 *     ControlMaster connection (how Vuls scans). Median of N, the peer's connection setup
 *     included as ours is. Agreement: both see the same installed package names.
 *  B. HOSTS host entries (all the same sshd) with CONCURRENCY at once: our run vs `ssh` in
 *     parallel, one connection per host running the commands as one script (the peer's best case).
 *     Wall time and our peak RSS.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commands, presentDpkgLines, withDeadline } from '../../daemon/inventory/collector.js';
import { InventoryService } from '../../daemon/inventory/inventory-service.js';
import { parseDpkgQuery } from '../../daemon/inventory/parse-dpkg.js';
import { inventoryParsers } from '../../daemon/inventory/parse-inventory.js';
import { JobRunner } from '../../daemon/jobs/job-runner.js';
import { systemClock } from '../../daemon/lifecycle.js';
import { createLogger } from '../../daemon/log.js';
import { Ssh2Runner } from '../../daemon/remote/ssh-runner.js';
import { SshdServer, sshdUnavailable } from '../../test/support/sshd-server.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

const why = sshdUnavailable();
if (why) {
  console.log(`bench/inventory skipped: ${why}`);
  process.exit(0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
};

const dir = await mkdtemp(join(tmpdir(), 'pd-bench-inv-'));
const server = await SshdServer.create([]);
const log = createLogger({ level: 'warn', format: 'pretty', sink: process.stderr });
const jobs = new JobRunner({
  dir: join(dir, 'jobs'),
  clock: systemClock,
  log,
  concurrency: CONCURRENCY,
  keepFinished: 1000,
});
const inv = new InventoryService({
  dir: join(dir, 'appliance'),
  runner: new Ssh2Runner(),
  parsers: inventoryParsers,
  log,
  concurrency: CONCURRENCY,
  connectTimeoutMs: 15_000,
  commandTimeoutMs: 60_000,
  maxOutputBytes: 64 << 20,
  maxPackages: 20_000,
  jobs,
});
try {
  await jobs.start();
  await inv.start();
  const key = await inv.keys.get();
  await server.setAuthorizedKeys([key.publicKey]);
  await server.start();
  const keyFile = join(inv.keys.dir, 'id_ed25519');
  const sshArgs = (control?: string) => [
    '-i',
    keyFile,
    '-p',
    String(server.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'LogLevel=ERROR',
    ...(control
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(dir, control)}`, '-o', 'ControlPersist=30']
      : []),
    'root@127.0.0.1',
  ];
  const scripts = [commands.osRelease, commands.kernel, commands.dpkg(), commands.reboot];
  const peerOnce = async (control: string) => {
    let dpkg = '';
    for (const s of scripts) {
      const { stdout } = await run('ssh', [...sshArgs(control), withDeadline(s, 60)], {
        maxBuffer: 64 << 20,
      });
      if (s === scripts[2]) dpkg = stdout;
    }
    return parseDpkgQuery(presentDpkgLines(dpkg));
  };
  const stopMaster = (control: string) =>
    run('ssh', [...sshArgs(control).slice(0, -1), '-O', 'exit', 'root@127.0.0.1']).catch(() => undefined);

  // A: one host, sequential.
  const cred = await inv.credentials.put({ address: '127.0.0.1', port: server.port, username: 'root' });
  const full = (await inv.credentials.get(cred.hostId))!;
  await inv.collect(full); // pin the key, warm the page cache
  const ours: number[] = [];
  let ourNames: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [ms, result] = await time(() => inv.collect(full));
    ours.push(ms);
    ourNames = result.packages.map((p) => p.name).sort();
  }
  const peer: number[] = [];
  let peerNames: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const control = `cm-a-${i}`;
    const [ms, pkgs] = await time(() => peerOnce(control)); // includes the master's connection setup
    await stopMaster(control);
    peer.push(ms);
    peerNames = pkgs.map((p) => p.name).sort();
  }
  const agree = JSON.stringify(ourNames) === JSON.stringify(peerNames);

  // B: many host entries at once.
  for (let i = 0; i < HOSTS; i++) {
    await inv.credentials.put({
      hostId: `bench-${i}`,
      address: '127.0.0.1',
      port: server.port,
      username: 'root',
    });
  }
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const [oursManyMs, runResult] = await time(async () => {
    const { id } = await inv.startRun();
    for (;;) {
      const r = inv.getRun(id);
      if (r?.finishedAt !== undefined) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
  });
  clearInterval(sampler);
  const failed = [...runResult.hosts.values()].filter((h) => h.state !== 'ok').length;
  const bundle = withDeadline(scripts.join('; echo ---; '), 60);
  const queue = Array.from({ length: HOSTS + 1 }, (_, i) => i);
  const [peerManyMs] = await time(() =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          await run('ssh', [...sshArgs(), bundle], {
            maxBuffer: 64 << 20,
          });
        }
      }),
    ),
  );

  const rows = [
    ['A: one host (median ms)', ours.length ? median(ours).toFixed(0) : '-', median(peer).toFixed(0)],
    [`B: ${HOSTS + 1} hosts, ${CONCURRENCY} at once (ms)`, oursManyMs.toFixed(0), peerManyMs.toFixed(0)],
  ];
  console.log(
    `packages per host: ${ourNames.length}; names agree with ssh + dpkg-query: ${agree ? 'yes' : 'NO'}`,
  );
  console.log(`${'measure'.padEnd(36)}${'patch-depot (ssh2)'.padStart(20)}${'OpenSSH ssh'.padStart(14)}`);
  for (const [m, a, b] of rows) console.log(`${m!.padEnd(36)}${a!.padStart(20)}${b!.padStart(14)}`);
  console.log(
    `failed hosts in our run: ${failed}; our peak RSS during B: ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    `BENCH ${JSON.stringify({
      bench: 'inventory',
      packages: ourNames.length,
      agree,
      oneHostMs: Math.round(median(ours)),
      oneHostPeerMs: Math.round(median(peer)),
      hosts: HOSTS + 1,
      concurrency: CONCURRENCY,
      manyMs: Math.round(oursManyMs),
      manyPeerMs: Math.round(peerManyMs),
      failed,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    })}`,
  );
  if (!agree || failed) process.exitCode = 1;
} finally {
  await inv.stop();
  await jobs.stop();
  await server.dispose();
  await rm(dir, { recursive: true, force: true });
}
