/**
 * The stampede's clients, as apt would send them through a forward proxy. They run in worker
 * threads (clients.ts is also the worker's entry): 100 apt clients are 100 machines, and clients
 * hashing 3.2 GB on one thread measured that thread's backlog more than either proxy (a client's
 * first byte waited behind the bytes of the clients before it), and slowed the loopback upstream
 * that shares the bench's main thread.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface ClientResult {
  ttfbMs: number;
  totalMs: number;
  ok: boolean;
}

/** One client through a forward proxy, absolute-form as apt sends it. */
export const viaProxy = (proxyPort: number, url: string, want: string): Promise<ClientResult> =>
  new Promise((resolve) => {
    const t0 = performance.now();
    let ttfb = -1;
    const hash = createHash('sha256');
    // Host names the target, as apt sends it (apt-cacher-ng routes by it).
    const headers = { host: new URL(url).host };
    const req = httpRequest(
      { host: '127.0.0.1', port: proxyPort, path: url, headers, agent: false },
      (res) => {
        res.on('data', (c: Buffer) => {
          if (ttfb < 0) ttfb = performance.now() - t0;
          hash.update(c);
        });
        res.on('end', () =>
          resolve({
            ttfbMs: ttfb,
            totalMs: performance.now() - t0,
            ok: res.statusCode === 200 && hash.digest('hex') === want,
          }),
        );
        res.on('error', () => resolve({ ttfbMs: ttfb, totalMs: performance.now() - t0, ok: false }));
      },
    );
    req.on('error', () => resolve({ ttfbMs: -1, totalMs: performance.now() - t0, ok: false }));
    req.end();
  });

interface Job {
  proxyPort: number;
  url: string;
  want: string;
  count: number;
}

/** `clients` concurrent clients spread over `threads` workers, started together once all are up. */
export const stampedeClients = async (job: Omit<Job, 'count'>, clients: number, threads: number) => {
  const workers = Array.from({ length: threads }, (_, i) => {
    const count = Math.floor(clients / threads) + (i < clients % threads ? 1 : 0);
    return new Worker(new URL(import.meta.url), {
      workerData: { ...job, count } satisfies Job,
      execArgv: ['--import', 'tsx'],
    });
  });
  const message = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  await Promise.all(workers.map(message)); // each says it is ready
  const t0 = performance.now();
  const done = workers.map(message);
  for (const w of workers) w.postMessage('go');
  const results = (await Promise.all(done)).flat() as ClientResult[];
  const wallSeconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return { results, wallSeconds };
};

if (!isMainThread) {
  const job = workerData as Job;
  parentPort!.once('message', async () => {
    const results = await Promise.all(
      Array.from({ length: job.count }, () => viaProxy(job.proxyPort, job.url, job.want)),
    );
    parentPort!.postMessage(results);
  });
  parentPort!.postMessage('ready');
}
