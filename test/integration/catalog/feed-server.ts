/**
 * A tiny HTTP server on 127.0.0.1 for the catalog integration tests: serves files from a map, with
 * ETag/Last-Modified and 304 answers like a real mirror, and apt's by-hash paths resolved from the
 * content. Every request is recorded so tests can check what was asked for.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedServer {
  url: string;
  files: Map<string, Uint8Array>;
  requests: { path: string; headers: IncomingHttpHeaders; status: number }[];
  close(): Promise<void>;
}

const etagOf = (b: Uint8Array): string => `"${createHash('sha256').update(b).digest('hex').slice(0, 16)}"`;
const LAST_MODIFIED = 'Sun, 22 Nov 2026 02:09:05 GMT';

export const startFeedServer = async (files: Map<string, Uint8Array>): Promise<FeedServer> => {
  const requests: FeedServer['requests'] = [];
  const byHash = (path: string): Uint8Array | undefined => {
    const m = /\/by-hash\/SHA256\/([0-9a-f]{64})$/.exec(path);
    if (!m) return undefined;
    for (const body of files.values())
      if (createHash('sha256').update(body).digest('hex') === m[1]) return body;
    return undefined;
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = files.get(path) ?? byHash(path);
    const answer = (status: number, headers: Record<string, string> = {}, data?: Uint8Array) => {
      requests.push({ path, headers: req.headers, status });
      res.writeHead(status, headers);
      res.end(data);
    };
    if (!body) return answer(404);
    const etag = etagOf(body);
    if (req.headers['if-none-match'] === etag || req.headers['if-modified-since'] === LAST_MODIFIED) {
      return answer(304, { etag });
    }
    answer(200, { etag, 'last-modified': LAST_MODIFIED, 'content-length': String(body.length) }, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
