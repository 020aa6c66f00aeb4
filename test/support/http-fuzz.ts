/**
 * Hostile HTTP/1.1 inputs for listener fuzz tests, generated from a seed (replayable), and their
 * endings on the socket: half-close and read, read then drop, reset, abandon, or hold idle. The
 * runner that sends them is in socket-runner.ts.
 */
import { type Rng, seededRng } from './prng.js';

/** How the client leaves the connection once the input is written. */
export type Ending =
  /** Half-close (FIN) and read until the server closes. */
  | 'half-close'
  /** Read the first answer bytes (or a close), then drop the connection. */
  | 'read'
  /** TCP reset right after writing. */
  | 'reset'
  /** Close without reading a byte. */
  | 'abandon'
  /** Stay silent for a moment (slow-loris style), then drop. */
  | 'hold';

export interface FuzzInput {
  id: number;
  /** Which generator made it, for reports and replay. */
  kind: string;
  /** Written one after another, each in its own write. */
  chunks: Buffer[];
  ending: Ending;
}

export interface HttpFuzzOptions {
  /** Host header values the target answers to, e.g. "127.0.0.1:8080". */
  hosts: readonly string[];
  /** Paths worth reaching (the routes of the listener). */
  paths: readonly string[];
  /** Cookie headers to mix in, e.g. a real signed-in session, so inputs get past a login gate. */
  cookies?: readonly string[];
  /** Methods beyond GET/HEAD/POST that the listener might see. */
  methods?: readonly string[];
}

interface Ctx {
  rng: Rng;
  opts: HttpFuzzOptions;
}

const CRLF = '\r\n';
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

const host = ({ rng, opts }: Ctx): string => rng.pick(opts.hosts);
const path = ({ rng, opts }: Ctx): string => {
  const base = rng.pick(opts.paths);
  const tails = [
    '',
    '',
    '?q=%00',
    '/..%2f..%2fetc/passwd',
    '/%2e%2e/',
    '?next=//evil.example',
    '#x',
    '/%ff%fe',
  ];
  return `${base}${rng.pick(tails)}`;
};
const cookie = ({ rng, opts }: Ctx): string[] =>
  opts.cookies?.length && rng.chance(0.35) ? [`Cookie: ${rng.pick(opts.cookies)}`] : [];
const request = (line: string, headers: string[], body = ''): string =>
  `${line}${CRLF}${headers.join(CRLF)}${headers.length ? CRLF : ''}${CRLF}${body}`;
const junk = (rng: Rng, n: number): string => rng.bytes(n).toString('latin1');
/** A printable string of `n` characters (no spaces), for header values that must parse. */
const filler = (rng: Rng, n: number): string => {
  const raw = rng.bytes(n);
  for (let i = 0; i < n; i++) raw[i] = 0x21 + (raw[i]! % 94);
  return raw.toString('latin1');
};

/** `n` numbered items, each with 8 printable characters of its own. */
const headerList = (rng: Rng, n: number, item: (i: number, value: string) => string): string[] => {
  const pool = filler(rng, n * 8);
  return Array.from({ length: n }, (_, i) => item(i, pool.slice(i * 8, i * 8 + 8)));
};

type Generator = (ctx: Ctx) => string | Buffer | Buffer[];

/** Pick one maker and run only that one: the big alternatives are not built for nothing. */
const oneOf = <T>(rng: Rng, makers: ReadonlyArray<() => T>): T => rng.pick(makers)();

const generators: Record<string, Generator> = {
  randomBytes: ({ rng }) => rng.bytes(rng.int(1, 2048)),

  brokenRequestLine: (ctx) => {
    const { rng } = ctx;
    const line = oneOf(rng, [
      () => 'GET',
      () => 'GET /',
      () => `GET ${path(ctx)} HTTP/9.9`,
      () => `GET ${path(ctx)} HTTP/1.1 extra`,
      () => `G\u0000T / HTTP/1.1`,
      () => `GET  ${path(ctx)}  HTTP/1.1`,
      () => `${filler(rng, rng.int(1, 40))} / HTTP/1.1`,
      () => `GET /${'a'.repeat(rng.int(8_000, 40_000))} HTTP/1.1`,
      () => `GET ${path(ctx)}\u0000 HTTP/1.1`,
      () => `GET /\r/ HTTP/1.1`,
      () => 'HTTP/1.1 200 OK',
      () => `PRI * HTTP/2.0${CRLF}${CRLF}SM`,
      () => `GET ${path(ctx)} HTTP/1.1\n`,
    ]);
    const lfOnly = rng.chance(0.3);
    const text = request(line, [`Host: ${host(ctx)}`]);
    return lfOnly ? text.replaceAll(CRLF, '\n') : text;
  },

  headerFlood: (ctx) => {
    const { rng } = ctx;
    const flood = oneOf(rng, [
      () => headerList(rng, rng.int(100, 2000), (i, v) => `X-F${i}: ${v}`),
      () => [`X-Huge: ${filler(rng, rng.int(10_000, 40_000))}`],
    ]);
    return request(`GET ${path(ctx)} HTTP/1.1`, [`Host: ${host(ctx)}`, ...flood]);
  },

  connect: (ctx) => {
    const { rng } = ctx;
    const target = rng.pick(['example.com:443', '127.0.0.1:22', '[::1]:443', 'evil', host(ctx)]);
    const head = request(`CONNECT ${target} HTTP/1.1`, [`Host: ${target}`, ...cookie(ctx)]);
    // Often followed straight away by what a TLS client would send.
    return [b(head), ...(rng.chance(0.5) ? [Buffer.concat([b('\u0016\u0003\u0001'), rng.bytes(200)])] : [])];
  },

  smuggling: (ctx) => {
    const { rng } = ctx;
    const next = request(`GET ${path(ctx)} HTTP/1.1`, [`Host: ${host(ctx)}`]);
    const shapes: Array<[string[], string]> = [
      [['Content-Length: 4', 'Transfer-Encoding: chunked'], `0${CRLF}${CRLF}${next}`],
      [['Content-Length: 5', 'Content-Length: 40'], `hello${next}`],
      [['Transfer-Encoding: chunked'], `zz${CRLF}hello${CRLF}0${CRLF}${CRLF}`],
      [['Transfer-Encoding: chunked'], `ffffffffffffffff${CRLF}x${CRLF}`],
      [['Transfer-Encoding: xchunked'], `5${CRLF}hello${CRLF}0${CRLF}${CRLF}`],
      [['Transfer-Encoding:  chunked', 'Transfer-Encoding: identity'], `0${CRLF}${CRLF}${next}`],
      [['Transfer-Encoding: chunked, identity'], `0${CRLF}${CRLF}`],
      [['X-Folded: a', ' b: c', 'Content-Length: 0'], next],
      [['Content-Length: -1'], ''],
      [['Content-Length: 99999999999999999999'], 'x'],
      [['Content-Length: 1e3'], 'x'],
      [
        ['Transfer-Encoding: chunked'],
        `5;ext=${'x'.repeat(rng.int(100, 5_000))}${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
      ],
      [
        ['Transfer-Encoding: chunked'],
        `5${CRLF}hello${CRLF}0${CRLF}X-Trailer: ${filler(rng, 50)}${CRLF}${CRLF}`,
      ],
    ];
    const [headers, body] = rng.pick(shapes);
    const method = rng.pick(['POST', 'GET', 'PUT']);
    return request(
      `${method} ${path(ctx)} HTTP/1.1`,
      [`Host: ${host(ctx)}`, ...cookie(ctx), ...headers],
      body,
    );
  },

  absoluteForm: (ctx) => {
    const { rng } = ctx;
    const url = rng.pick([
      `http://${host(ctx)}${path(ctx)}`,
      'http://evil.example/',
      `https://${host(ctx)}/`,
      'http://169.254.169.254/latest/meta-data/',
      `http://user:pass@${host(ctx)}/`,
      '*',
      `//${host(ctx)}//evil`,
      'ftp://x/',
    ]);
    const method = url === '*' ? 'OPTIONS' : rng.pick(['GET', 'HEAD', 'POST']);
    return request(`${method} ${url} HTTP/1.1`, [`Host: ${rng.chance(0.5) ? host(ctx) : 'evil.example'}`]);
  },

  hugeCookie: (ctx) => {
    const { rng } = ctx;
    const value = oneOf(rng, [
      () => `pd_session=${filler(rng, rng.int(4_000, 24_000))}`,
      () => headerList(rng, rng.int(50, 1_500), (i, v) => `c${i}=${v}`).join('; '),
      () => `pd_csrf=${'A'.repeat(rng.int(10, 200))}; pd_session=`,
      () => `pd_session="${junk(rng, 40).replace(/[\r\n]/g, '')}"`,
    ]);
    return request(`GET ${path(ctx)} HTTP/1.1`, [`Host: ${host(ctx)}`, `Cookie: ${value}`]);
  },

  badHost: (ctx) => {
    const { rng } = ctx;
    const headers = oneOf(rng, [
      () => [],
      () => ['Host:'],
      () => [`Host: ${host(ctx)}`, 'Host: evil.example'],
      () => [`Host: ${host(ctx)}@evil.example`],
      () => ['Host: evil.example'],
      () => ['Host: [::1'],
      () => [`Host: ${'h'.repeat(rng.int(300, 10_000))}`],
      () => ['Host: dépôt.example'],
      () => ['Host: 127.0.0.1:99999'],
      () => [`Host: ${host(ctx)}`, 'X-Forwarded-Host: evil.example'],
    ]);
    return request(`GET ${path(ctx)} HTTP/1.1`, [...headers, ...cookie(ctx)]);
  },

  badCsrf: (ctx) => {
    const { rng } = ctx;
    const form = new URLSearchParams({
      _csrf: rng.pick(['', 'x', filler(rng, 43), junk(rng, 30)]),
      password: filler(rng, rng.int(0, 40)),
      name: junk(rng, 20),
      next: '//evil.example/',
    }).toString();
    const boundary = filler(rng, 12);
    // The oversized one claims more than the form limit but sends a little: refused from the header.
    const [type, body, claimed] = rng.pick<[string, string, number?]>([
      ['application/x-www-form-urlencoded', form],
      [
        `multipart/form-data; boundary=${boundary}`,
        `--${boundary}${CRLF}Content-Disposition: form-data; name="_csrf"${CRLF}${CRLF}x${CRLF}--${boundary}`,
      ],
      ['multipart/form-data; boundary=', junk(rng, 200)],
      ['application/x-www-form-urlencoded', `_csrf=${filler(rng, 2_000)}`, rng.int(260_000, 3_000_000)],
      ['application/json', '{"_csrf":'],
    ]);
    const extra = rng.pick([
      [],
      ['Origin: http://evil.example'],
      ['Origin: null'],
      [`X-CSRF-Token: ${junk(rng, 20).replace(/[\r\n]/g, '')}`],
    ]);
    const headers = [
      `Host: ${host(ctx)}`,
      ...cookie(ctx),
      `Content-Type: ${type}`,
      `Content-Length: ${claimed ?? Buffer.byteLength(body, 'latin1')}`,
      ...extra,
    ];
    return request(`POST ${path(ctx)} HTTP/1.1`, headers, body);
  },

  pipelined: (ctx) => {
    const { rng } = ctx;
    const methods = ['GET', 'HEAD', ...(ctx.opts.methods ?? [])];
    const one = () =>
      request(`${rng.pick(methods)} ${path(ctx)} HTTP/1.1`, [
        `Host: ${host(ctx)}`,
        ...cookie(ctx),
        ...(rng.chance(0.3) ? ['HX-Request: true'] : []),
      ]);
    return Array.from({ length: rng.int(2, 5) }, one).join('');
  },

  fragmented: (ctx) => {
    const { rng } = ctx;
    const text = b(
      request(`GET ${path(ctx)} HTTP/1.1`, [`Host: ${host(ctx)}`, ...cookie(ctx), 'Connection: close']),
    );
    const parts: Buffer[] = [];
    for (let at = 0; at < text.length; ) {
      const n = rng.int(1, 8);
      parts.push(text.subarray(at, at + n));
      at += n;
    }
    return parts;
  },

  plausible: (ctx) => {
    const { rng } = ctx;
    const method = rng.pick([
      'GET',
      'GET',
      'HEAD',
      'POST',
      'OPTIONS',
      'DELETE',
      'TRACE',
      ...(ctx.opts.methods ?? []),
    ]);
    const headers = [`Host: ${host(ctx)}`, ...cookie(ctx)];
    if (rng.chance(0.3)) headers.push('HX-Request: true');
    if (rng.chance(0.2)) headers.push(`Range: bytes=${rng.int(-5, 100)}-${rng.int(-5, 100)}`);
    if (rng.chance(0.2)) headers.push(`If-None-Match: "${filler(rng, 10)}"`);
    if (rng.chance(0.1)) headers.push('Expect: 100-continue');
    if (rng.chance(0.1)) headers.push(`Accept-Encoding: ${filler(rng, 30)}`);
    return request(`${method} ${path(ctx)} HTTP/${rng.pick(['1.1', '1.0'])}`, headers);
  },
};

const endings: ReadonlyArray<[Ending, number]> = [
  ['half-close', 0.5],
  ['read', 0.22],
  ['reset', 0.12],
  ['abandon', 0.12],
  ['hold', 0.04],
];

const pickEnding = (rng: Rng): Ending => {
  let x = rng.next();
  for (const [ending, p] of endings) {
    if (x < p) return ending;
    x -= p;
  }
  return 'half-close';
};

/** `count` inputs from `seed`: the same arguments give the same inputs, byte for byte. */
export const generateHttpInputs = (seed: number, count: number, opts: HttpFuzzOptions): FuzzInput[] => {
  const rng = seededRng(seed);
  const kinds = Object.keys(generators);
  return Array.from({ length: count }, (_, id) => {
    const kind = kinds[id % kinds.length]!;
    const made = generators[kind]!({ rng, opts });
    const chunks = Array.isArray(made) ? made : [typeof made === 'string' ? b(made) : made];
    return { id, kind, chunks, ending: pickEnding(rng) };
  });
};
