/**
 * The pieces the HTTP fuzz shapes (http-fuzz-shapes.ts) are built from: request targets with
 * hostile segments, Host values, cookies, header blocks, filler. Every authority comes from the
 * options: the generator invents no host of its own, so what a listener might connect onwards to
 * (a proxy's upstream) is only ever what the test allowed.
 */
import type { Rng } from './prng.js';

export interface HttpFuzzOptions {
  /** Authorities the listener answers for (`host:port`): Host headers, absolute-form URLs, CONNECT. */
  hosts: readonly string[];
  /**
   * Authorities it must refuse or ignore. For a listener that connects onwards (the proxy), give
   * loopback ones only: a bug that lets one through must still not leave this machine.
   */
  foreignHosts: readonly string[];
  /** Paths worth reaching (origin-form, from `/`); hostile segments and tails are added to them. */
  paths: readonly string[];
  /** Cookie headers to mix in, e.g. a real signed-in session, so inputs get past a login gate. */
  cookies?: readonly string[];
  /** Methods beyond the usual ones that the listener might see. */
  methods?: readonly string[];
  /** Whole header lines to mix in, e.g. a real API token, so inputs get past a bearer-token gate. */
  headers?: readonly string[];
}

export interface Ctx {
  rng: Rng;
  opts: HttpFuzzOptions;
}

export const CRLF = '\r\n';
export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Methods a client may send, well-formed or not. */
export const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'PRI',
  'M-SEARCH',
];
const ODD_METHODS = ['get', 'G\x00T', 'GET\t', 'X'.repeat(300)];

/**
 * Put into a path: encoded slashes and backslashes, NUL, dot segments plain and encoded, overlong
 * UTF-8, broken escapes, the `+`/`%2b` pair apt and curl spell differently.
 */
const HOSTILE_SEGMENTS = [
  '..%2f',
  '..%2F',
  '%5c..%5c',
  '%00',
  '%2e%2e',
  '.%2E',
  '..',
  '..;',
  '\\..\\',
  '%zz',
  '%',
  '%c0%af',
  '+%2b%2B',
  '~%7e',
  '%F0%9F%93%A6',
  ' ',
];
/** Put after a path: traversal, open redirects, fragments, bytes that are no UTF-8. */
const HOSTILE_TAILS = ['/..%2f..%2fetc/passwd', '/%2e%2e/', '?q=%00', '?next=//x', '#x', '/%ff%fe', '//'];

export const host = ({ rng, opts }: Ctx): string => rng.pick(opts.hosts);
export const foreign = ({ rng, opts }: Ctx): string => rng.pick(opts.foreignHosts);
/** One of the listener's own authorities, now and then a foreign one. */
export const anyHost = (ctx: Ctx): string => (ctx.rng.chance(0.8) ? host(ctx) : foreign(ctx));

/** A path that always carries something hostile. */
export const hostilePath = ({ rng, opts }: Ctx): string => {
  const base = rng.pick(opts.paths);
  if (rng.chance(0.5)) return `${base}${rng.pick(HOSTILE_TAILS)}`;
  const cut = rng.int(base.length + 1);
  return `${base.slice(0, cut)}${rng.pick(HOSTILE_SEGMENTS)}${base.slice(cut)}`;
};

/** One of the listener's paths, hostile now and then. */
export const path = (ctx: Ctx): string =>
  ctx.rng.chance(0.3) ? hostilePath(ctx) : ctx.rng.pick(ctx.opts.paths);

/** A request target: mostly origin-form, often absolute-form (as clients of a proxy send). */
export const target = (ctx: Ctx): string =>
  ctx.rng.chance(0.6) ? path(ctx) : `http://${anyHost(ctx)}${path(ctx)}`;

export const method = (ctx: Ctx): string => {
  const { rng } = ctx;
  if (rng.chance(0.1)) return rng.pick(ODD_METHODS);
  return rng.pick(['GET', 'GET', 'GET', 'HEAD', ...METHODS, ...(ctx.opts.methods ?? [])]);
};

export const cookie = ({ rng, opts }: Ctx): string[] =>
  opts.cookies?.length && rng.chance(0.35) ? [`Cookie: ${rng.pick(opts.cookies)}`] : [];

export const extraHeader = ({ rng, opts }: Ctx): string[] =>
  opts.headers?.length && rng.chance(0.35) ? [rng.pick(opts.headers)] : [];

export const request = (line: string, headers: readonly string[], body = ''): string =>
  `${line}${CRLF}${headers.join(CRLF)}${headers.length ? CRLF : ''}${CRLF}${body}`;

/** A plain GET of `target` with a Host header, a cookie now and then, and `headers`. */
export const get = (ctx: Ctx, headers: readonly string[] = [], at = target(ctx)): string =>
  request(`GET ${at} HTTP/1.1`, [`Host: ${host(ctx)}`, ...cookie(ctx), ...extraHeader(ctx), ...headers]);

/** `n` random bytes as a string, CR and LF taken out (for a value inside one header line). */
export const junk = (rng: Rng, n: number): string =>
  rng
    .bytes(n)
    .toString('latin1')
    .replace(/[\r\n]/g, '');

/** A printable string of `n` characters (no spaces), for header values that must parse. */
export const filler = (rng: Rng, n: number): string => {
  const raw = rng.bytes(n);
  for (let i = 0; i < n; i++) raw[i] = 0x21 + (raw[i]! % 94);
  return raw.toString('latin1');
};

/** `n` numbered items, each with 8 printable characters of its own. */
export const headerList = (rng: Rng, n: number, item: (i: number, value: string) => string): string[] => {
  const pool = filler(rng, n * 8);
  return Array.from({ length: n }, (_, i) => item(i, pool.slice(i * 8, i * 8 + 8)));
};

/** Pick one maker and run only that one: the big alternatives are not built for nothing. */
export const oneOf = <T>(rng: Rng, makers: ReadonlyArray<() => T>): T => rng.pick(makers)();

/** Headers a real client sends, and some that test a cache's and a router's edges. */
export const extraHeaders = (ctx: Ctx): string[] => {
  const { rng } = ctx;
  const extras = [
    () => 'User-Agent: Debian APT-HTTP/1.3 (2.6.1)',
    () => 'Cache-Control: max-age=0',
    () => `Range: bytes=${rng.between(-5, 1000)}-${rng.between(-5, 1000)}`,
    () => 'Range: bytes=-1,0-,5-2',
    () => `If-None-Match: "${filler(rng, 10)}", *`,
    () => 'If-Modified-Since: yesterday',
    () => 'If-Range: "nope"',
    () => rng.pick(['Connection: close', 'Connection: keep-alive, Upgrade']),
    () => 'Upgrade: websocket',
    () => 'Expect: 100-continue',
    () => `Accept-Encoding: ${rng.pick(['gzip', filler(rng, 30)])}`,
    () => 'HX-Request: true',
    () => `X-Junk: ${junk(rng, rng.int(40))}`,
  ];
  return Array.from({ length: rng.int(6) }, () => oneOf(rng, extras));
};
