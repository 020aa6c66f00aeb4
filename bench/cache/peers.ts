/**
 * The peer tools on loopback with configs in a temp dir: nginx serving a directory (the
 * throughput reference, sendfile on) and apt-cacher-ng as a caching proxy in front of a loopback
 * upstream. Plus helpers to start our own server and to read a process tree's CPU time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const waitForPort = async (port: number, what: string, ms = 15_000): Promise<void> => {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} did not start listening on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
};

export interface Running {
  proc: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

const stopper = (proc: ChildProcess) => (): Promise<void> =>
  new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
  });

export const startNginx = async (dir: string, www: string): Promise<Running> => {
  const port = await freePort();
  for (const d of ['tmp', 'logs']) await mkdir(join(dir, d), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types { application/octet-stream bin deb; }
  server { listen 127.0.0.1:${port}; root ${www}; }
}
`,
  );
  const proc = spawn('nginx', ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForPort(port, 'nginx');
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return { proc, port, stop: stopper(proc) };
};

/**
 * apt-cacher-ng 3.7 cannot bind ports above 32767 here ("Error resolving address for binding"),
 * and the kernel hands out ephemeral ports above that, so pick a free one below.
 */
export const lowFreePort = async (): Promise<number> => {
  for (let tries = 0; tries < 50; tries++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (await portFree(candidate)) return candidate;
  }
  throw new Error('no free port below 32768 for apt-cacher-ng');
};

/** `upstreamPort` must be below 32768 too (AllowUserPorts has the same limit). */
export const startAptCacherNg = async (dir: string, upstreamPort: number): Promise<Running> => {
  const port = await lowFreePort();
  const conf = join(dir, 'conf');
  for (const d of [conf, join(dir, 'cache'), join(dir, 'log'), join(dir, 'run')])
    await mkdir(d, { recursive: true });
  await writeFile(
    join(conf, 'acng.conf'),
    `CacheDir: ${dir}/cache
LogDir: ${dir}/log
Port: ${port}
BindAddress: 127.0.0.1
PidFile: ${dir}/run/pid
SocketPath: ${dir}/run/socket
ForeGround: 1
ReportPage: acng-report.html
ExThreshold: 4
AllowUserPorts: 80 ${upstreamPort}
`,
  );
  const proc = spawn('apt-cacher-ng', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (c: Buffer) => process.stderr.write(`apt-cacher-ng: ${c}`));
  try {
    await waitForPort(port, 'apt-cacher-ng');
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return { proc, port, stop: stopper(proc) };
};

/**
 * BENCH_NODE_FLAGS are passed to our server's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * profile the cache while the bench's clients read; the profile is written when it stops).
 */
export const startOurs = async (root: string, allowed: string): Promise<Running> => {
  const server = fileURLToPath(new URL('./server.ts', import.meta.url));
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...flags, '--import', 'tsx', server, root, allowed], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`our cache server exited (${code})`)));
  });
  return { proc, port, stop: stopper(proc) };
};

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by `pid` and all its descendants. */
export const cpuSeconds = (pid: number): number => {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // exited meanwhile
    }
  }
  let total = 0;
  const queue = [pid];
  while (queue.length) {
    const p = queue.pop()!;
    total += stats.get(p)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === p) queue.push(child);
  }
  return total / TICK;
};
