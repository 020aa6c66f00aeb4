/**
 * A cache answer as a web-standard Response, for the direct `/cache/<host>/<path>` route of the
 * web app (the proxy port writes node responses directly, see node-serve.ts).
 */
import { Readable } from 'node:stream';
import type { CacheService } from './cache-service.js';
import { clientMaxAgeMs, errorStatus, planResponse } from './serve-plan.js';

const text = (status: number, message: string): Response =>
  new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

export const cacheResponse = async (req: Request, cache: CacheService, target: string): Promise<Response> => {
  let r: Awaited<ReturnType<CacheService['resolve']>>;
  const client = { method: req.method, header: (n: string) => req.headers.get(n) ?? undefined };
  try {
    r = await cache.resolve(target, { maxAgeMs: clientMaxAgeMs(client) });
  } catch (err) {
    const { status, message } = errorStatus(err);
    return text(status, message);
  }
  const plan = planResponse(client, r);
  if (!plan.body) {
    await r.release();
    return new Response(null, { status: plan.status, headers: plan.headers });
  }
  const { start, end } = plan.body;
  if (r.kind === 'hit') {
    const stream = r.handle.createReadStream({
      start,
      ...(end !== undefined ? { end: end - 1 } : {}),
      highWaterMark: 1 << 20,
      autoClose: false,
    });
    const hit = r;
    stream.once('close', () => {
      cache.served(stream.bytesRead, true);
      void hit.release();
    });
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
      status: plan.status,
      headers: plan.headers,
    });
  }
  const abort = new AbortController();
  const reader = r.download.attach(start, end, abort.signal);
  await r.release();
  if (!reader) return text(503, 'the download just finished; retry');
  const joined = r.joined;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.chunks.next();
        if (done) {
          cache.served(sent, joined);
          controller.close();
          return;
        }
        sent += value.length;
        controller.enqueue(value);
      } catch (err) {
        // The download failed: error the stream so the client sees a cut connection.
        cache.served(sent, joined);
        controller.error(err);
      }
    },
    cancel() {
      abort.abort();
      reader.close();
      void reader.chunks.return(undefined);
      cache.served(sent, joined);
    },
  });
  return new Response(body, { status: plan.status, headers: plan.headers });
};
