/**
 * Writing a cache answer onto a node HTTP response: cached blobs stream straight from the file
 * (1 MiB reads, back-pressure via pipeline), downloads in flight follow the temp file as it grows.
 * A download that fails mid-way cuts the connection, so the client sees a truncated body.
 */
import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { CacheService, Resolved } from './cache-service.js';
import { clientMaxAgeMs, errorStatus, planResponse } from './serve-plan.js';

const READ_SIZE = 1 << 20;

/**
 * Read buffers reused across requests. A fresh 1 MiB buffer per request is memory outside the
 * JS heap, and V8 answers each few dozen MiB of it with a full garbage collection: that was a
 * fifth of the CPU spent serving a large cached file. Kept small: two per concurrent transfer.
 */
const spare: Buffer[] = [];
const SPARE_MAX = 16;
const takeBuffer = (): Buffer => spare.pop() ?? Buffer.allocUnsafe(READ_SIZE);
const giveBack = (bufs: Buffer[]): void => {
  for (const b of bufs) if (spare.length < SPARE_MAX) spare.push(b);
};

export const sendText = (
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
) => {
  const body = `${text}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
};

/**
 * Copy [start, end) of a file to the socket with two reused buffers: one is being written while the
 * next is read, and a buffer is refilled only after the socket has taken it (no per-chunk
 * allocation, so far less GC than a read stream). Node has no sendfile; this is the next best.
 */
const sendFileRange = async (
  handle: FileHandle,
  start: number,
  end: number,
  res: ServerResponse,
): Promise<number> => {
  const buffers = [takeBuffer(), takeBuffer()];
  const inFlight: Array<Promise<void> | undefined> = [undefined, undefined];
  let pos = start;
  let sent = 0;
  let turn = 0;
  while (pos < end) {
    if (res.destroyed) throw new Error('client went away');
    await inFlight[turn];
    const buf = buffers[turn]!;
    const { bytesRead } = await handle.read(buf, 0, Math.min(READ_SIZE, end - pos), pos);
    if (bytesRead === 0) throw new Error('cached file shorter than its index entry');
    pos += bytesRead;
    inFlight[turn] = new Promise<void>((resolve, reject) => {
      res.write(buf.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve()));
    });
    // Back-pressure: never more than the two buffers queued on the socket.
    inFlight[turn]!.catch(() => undefined);
    sent += bytesRead;
    turn ^= 1;
  }
  await Promise.all(inFlight);
  // Only now, with both writes done, may the buffers serve another transfer. On an error they
  // are left to the garbage collector: a write may still hold them.
  giveBack(buffers);
  return sent;
};

export const serveFromCache = async (
  req: IncomingMessage,
  res: ServerResponse,
  cache: CacheService,
  target: string,
  log: Logger,
): Promise<void> => {
  let r: Resolved;
  const client = { method: req.method ?? 'GET', header: (n: string) => headerValue(req, n) };
  // Listening from the start: a client that hangs up while the upstream's headers are awaited
  // must not leave a reader waiting on a socket that will never drain (nor hold the download).
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  try {
    r = await cache.resolve(target, { maxAgeMs: clientMaxAgeMs(client) });
  } catch (err) {
    const { status, message } = errorStatus(err);
    if (status >= 500) log.warn('cache request failed', { url: target, status, err });
    sendText(res, status, message);
    return;
  }
  const plan = planResponse(client, r);
  res.writeHead(plan.status, plan.headers);
  if (!plan.body) {
    await r.release();
    res.end();
    return;
  }
  const { start, end } = plan.body;
  if (r.kind === 'hit') {
    let sent = 0;
    try {
      sent = await sendFileRange(r.handle, start, end ?? r.entry.size, res);
      res.end();
    } catch {
      res.destroy();
    } finally {
      cache.served(sent, true);
      await r.release();
    }
    return;
  }
  const reader = abort.signal.aborted ? undefined : r.download.attach(start, end, abort.signal);
  await r.release();
  if (!reader) {
    res.destroy();
    return;
  }
  let sent = 0;
  try {
    for await (const chunk of reader.chunks) {
      sent += chunk.length;
      if (!res.write(chunk)) await once(res, 'drain', { signal: abort.signal });
    }
    res.end();
  } catch (err) {
    if (!abort.signal.aborted)
      log.warn('download failed while serving; cutting the client off', { url: target, err });
    res.destroy();
  } finally {
    reader.close();
    cache.served(sent, r.joined);
  }
};

const headerValue = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};
