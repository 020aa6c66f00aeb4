/**
 * Writing a cache answer onto a node HTTP response: cached blobs stream straight from the file
 * (1 MiB reads, back-pressure via pipeline), downloads in flight follow the temp file as it grows.
 * A download that fails mid-way cuts the connection, so the client sees a truncated body.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.js';
import type { CacheService, Resolved } from './cache-service.js';
import { errorStatus, planResponse } from './serve-plan.js';

const READ_SIZE = 1 << 20;

export const sendText = (
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
) => {
  const body = `${text}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
};

export const serveFromCache = async (
  req: IncomingMessage,
  res: ServerResponse,
  cache: CacheService,
  target: string,
  log: Logger,
): Promise<void> => {
  let r: Resolved;
  try {
    r = await cache.resolve(target);
  } catch (err) {
    const { status, message } = errorStatus(err);
    if (status >= 500) log.warn('cache request failed', { url: target, status, err });
    sendText(res, status, message);
    return;
  }
  const plan = planResponse({ method: req.method ?? 'GET', header: (n) => headerValue(req, n) }, r);
  res.writeHead(plan.status, plan.headers);
  if (!plan.body) {
    await r.release();
    res.end();
    return;
  }
  const { start, end } = plan.body;
  if (r.kind === 'hit') {
    const stream = r.handle.createReadStream({
      start,
      ...(end !== undefined ? { end: end - 1 } : {}),
      highWaterMark: READ_SIZE,
      autoClose: false,
    });
    try {
      await pipeline(stream, res);
    } catch {
      res.destroy();
    } finally {
      cache.served(stream.bytesRead, true);
      await r.release();
    }
    return;
  }
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const reader = r.download.attach(start, end, abort.signal);
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
