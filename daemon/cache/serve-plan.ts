/**
 * How to answer one client request from a resolved cache lookup: status, headers and the byte
 * range, with Range (206/416), If-Range, conditional requests (304) and HEAD, and the fixed
 * Content-Type and protective headers of file-type.ts (never the upstream's). Pure: the proxy port
 * writes what this decides.
 */
import type { Resolved } from './cache-service.js';
import { cachedFileHeaders } from './file-type.js';

export interface ClientRequest {
  method: string;
  /** Lower-case header names. */
  header(name: string): string | undefined;
}

export interface Plan {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** Bytes [start, end) to send; absent when there is no body. */
  body?: { start: number; end: number | undefined };
}

export type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/** A single `bytes=` range against a known size; multi-range and invalid requests are answered whole. */
export const parseRange = (value: string | undefined, size: number): Range => {
  if (!value) return undefined;
  // The unit is case-insensitive (RFC 9110 14.1): BYTES=0-9 is a range too.
  const m = /^bytes=(\d*)-(\d*)$/i.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(m[1]);
  // A last-pos below the first-pos makes the range invalid, and an invalid Range is ignored:
  // the whole file (RFC 9110 14.1.1, 14.2). Only a valid one past the end is unsatisfiable.
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return { start, end: last + 1 };
};

const etagOf = (sha256: string): string => `"${sha256}"`;

export const planResponse = (req: ClientRequest, r: Resolved): Plan => {
  const head = req.method === 'HEAD';
  if (r.kind === 'hit') {
    const e = r.entry;
    const etag = etagOf(e.sha256);
    const headers: Record<string, string> = {
      ...cachedFileHeaders(e.url),
      'accept-ranges': 'bytes',
      etag,
      'x-cache': r.stale ? 'STALE' : 'HIT',
    };
    if (e.lastModified) headers['last-modified'] = e.lastModified;
    if (r.stale) headers.warning = '110 - "Response is stale: upstream unreachable"';
    const inm = req.header('if-none-match');
    const ims = req.header('if-modified-since');
    const notModified = inm
      ? inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')
      : ims !== undefined && e.lastModified !== undefined && Date.parse(ims) >= Date.parse(e.lastModified);
    if (notModified) return { status: 304, headers };
    const ifRange = req.header('if-range');
    const rangeApplies =
      !ifRange || ifRange === etag || (e.lastModified !== undefined && ifRange === e.lastModified);
    const range = rangeApplies ? parseRange(req.header('range'), e.size) : undefined;
    if (range === 'unsatisfiable') {
      return {
        status: 416,
        headers: { ...headers, 'content-range': `bytes */${e.size}`, 'content-length': '0' },
      };
    }
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end - 1}/${e.size}`;
      headers['content-length'] = String(range.end - range.start);
      return { status: 206, headers, ...(head ? {} : { body: range }) };
    }
    headers['content-length'] = String(e.size);
    return { status: 200, headers, ...(head ? {} : { body: { start: 0, end: e.size } }) };
  }
  const d = r.download;
  const headers: Record<string, string> = {
    ...cachedFileHeaders(d.url),
    'x-cache': r.joined ? 'JOIN' : 'MISS',
  };
  if (d.lastModified) headers['last-modified'] = d.lastModified;
  if (d.total === undefined)
    return { status: 200, headers, ...(head ? {} : { body: { start: 0, end: undefined } }) };
  headers['accept-ranges'] = 'bytes';
  const range = parseRange(req.header('range'), d.total);
  if (range === 'unsatisfiable') {
    return {
      status: 416,
      headers: { ...headers, 'content-range': `bytes */${d.total}`, 'content-length': '0' },
    };
  }
  if (range && !req.header('if-range')) {
    headers['content-range'] = `bytes ${range.start}-${range.end - 1}/${d.total}`;
    headers['content-length'] = String(range.end - range.start);
    return { status: 206, headers, ...(head ? {} : { body: range }) };
  }
  headers['content-length'] = String(d.total);
  return { status: 200, headers, ...(head ? {} : { body: { start: 0, end: d.total } }) };
};

/** The freshness a client asks for: `no-cache` or `max-age=N` (ms), else undefined. */
export const clientMaxAgeMs = (req: ClientRequest): number | undefined => {
  const cc = req.header('cache-control') ?? '';
  if (/(^|,)\s*no-cache\b/i.test(cc) || /no-cache/i.test(req.header('pragma') ?? '')) return 0;
  const m = /(^|,)\s*max-age=(\d+)/i.exec(cc);
  return m ? Number(m[2]) * 1000 : undefined;
};

/** Status and message for a failed lookup (allow-list, upstream errors, disk full). */
export const errorStatus = (err: unknown): { status: number; message: string } => {
  const code = (err as { code?: string })?.code;
  const message = err instanceof Error ? err.message : String(err);
  const upstream = (err as { status?: number })?.status;
  switch (code) {
    case 'FORBIDDEN':
      return { status: 403, message };
    case 'BAD_INPUT':
      return { status: 400, message };
    case 'NOT_FOUND':
      return { status: upstream ?? 404, message };
    case 'UNAVAILABLE':
      return { status: upstream ? 502 : 503, message };
    default:
      return { status: 502, message: `cache error: ${message}` };
  }
};
