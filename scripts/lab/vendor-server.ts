/**
 * Runs inside the lab's vendor namespace: serves the signed apt repository at `/debian/` and the
 * tracker feed at `/tracker.json` (and, when the lab has rpm hosts, the rpm repository at `/rpm/`
 * and its OSV feed at `/osv.json`) over plain HTTP, as a vendor's mirror would (ETag and
 * Last-Modified with conditional GET, single byte ranges for resumed downloads), waiting
 * `latencyMs` before each response: the WAN's latency (this kernel has no netem). Prints "ready".
 * Config: one JSON argument { root, feedFile, rpmRoot?, osvFile?, address, port, latencyMs }.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';

interface VendorServerConfig {
  root: string;
  feedFile: string;
  rpmRoot?: string;
  osvFile?: string;
  address: string;
  port: number;
  latencyMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as VendorServerConfig;

/** The file a URL path names, confined to the repository; undefined for anything else. */
const fileFor = (urlPath: string): string | undefined => {
  if (urlPath === '/tracker.json') return config.feedFile;
  if (urlPath === '/osv.json') return config.osvFile;
  const [prefix, root] = urlPath.startsWith('/rpm/') ? ['/rpm/', config.rpmRoot] : ['/debian/', config.root];
  if (!root || !urlPath.startsWith(prefix)) return undefined;
  const rel = normalize(decodeURIComponent(urlPath.slice(prefix.length)));
  if (rel.startsWith('..') || rel.startsWith('/')) return undefined;
  return join(root, rel);
};

const contentType = (file: string): string =>
  file.endsWith('.json')
    ? 'application/json'
    : file.endsWith('.deb')
      ? 'application/vnd.debian.binary-package'
      : file.endsWith('.rpm')
        ? 'application/x-rpm'
        : 'application/octet-stream';

const answer = (req: IncomingMessage, res: ServerResponse): void => {
  const file = fileFor(new URL(req.url ?? '/', 'http://vendor').pathname);
  const stat = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (!file || !stat?.isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res
      .writeHead(file && req.method !== 'GET' && req.method !== 'HEAD' ? 405 : 404, { 'content-length': '0' })
      .end();
    return;
  }
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const lastModified = stat.mtime.toUTCString();
  const common = {
    etag,
    'last-modified': lastModified,
    'accept-ranges': 'bytes',
    'content-type': contentType(file),
  };
  const since = req.headers['if-modified-since'];
  if (
    req.headers['if-none-match'] === etag ||
    (since && Date.parse(since) >= Math.floor(stat.mtimeMs / 1000) * 1000)
  ) {
    res.writeHead(304, common).end();
    return;
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = stat.size - 1;
  let status = 200;
  if (range && (!req.headers['if-range'] || req.headers['if-range'] === etag)) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), end) : end;
    if (start > end) {
      res.writeHead(416, { ...common, 'content-range': `bytes */${stat.size}` }).end();
      return;
    }
    status = 206;
  }
  const headers: Record<string, string> = { ...common, 'content-length': String(end - start + 1) };
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${stat.size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || stat.size === 0) {
    res.end();
    return;
  }
  createReadStream(file, { start, end }).pipe(res);
};

const server = createServer((req, res) => {
  res.on('error', () => res.destroy());
  if (config.latencyMs > 0) setTimeout(() => answer(req, res), config.latencyMs);
  else answer(req, res);
});
server.listen(config.port, config.address, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
