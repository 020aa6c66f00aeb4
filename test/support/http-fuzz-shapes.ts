/**
 * One generator per shape of trouble an HTTP/1.1 listener meets, each drawing from the seeded Rng
 * only: random bytes, broken request lines and headers, floods, CONNECT, smuggling (CL+TE, double
 * CL, obfuscated TE, obs-fold), absolute-form URLs, encoded slashes, huge cookies, bad Host, bad
 * CSRF posts, pipelines, fragments, truncated and mutated requests.
 */
import {
  anyHost,
  CRLF,
  type Ctx,
  cookie,
  extraHeader,
  extraHeaders,
  filler,
  foreign,
  get,
  headerList,
  host,
  hostilePath,
  junk,
  latin1,
  METHODS,
  method,
  oneOf,
  path,
  request,
  target,
} from './http-fuzz-parts.js';

/** One input: a string (latin1), bytes, or chunks written one after another. */
export type Shape = (ctx: Ctx) => string | Buffer | Buffer[];

/** What a client that behaves sends, with the edges of real headers. */
const plausible = (ctx: Ctx): string =>
  request(`${method(ctx)} ${target(ctx)} HTTP/${ctx.rng.pick(['1.1', '1.1', '1.0'])}`, [
    `Host: ${host(ctx)}`,
    ...cookie(ctx),
    ...extraHeader(ctx),
    ...extraHeaders(ctx),
  ]);

const brokenRequestLine: Shape = (ctx) => {
  const { rng } = ctx;
  const line = oneOf(rng, [
    () => 'GET',
    () => `GET ${target(ctx)}`,
    () => `GET ${target(ctx)} HTTP/9.9`,
    () => `GET ${target(ctx)} HTTP/1.1 extra`,
    () => `GET  ${target(ctx)}  HTTP/1.1`,
    () => `GET ${target(ctx)}\u0000 HTTP/1.1`,
    () => `GET /\r/ HTTP/1.1`,
    () => `${filler(rng, rng.between(1, 40))} / HTTP/1.1`,
    () => `GET /${'a'.repeat(rng.between(8_000, 70_000))} HTTP/1.1`,
    () => rng.pick(METHODS),
    () => 'HTTP/1.1 200 OK',
    () => `PRI * HTTP/2.0${CRLF}${CRLF}SM`,
    () => `${CRLF}${CRLF}GET / HTTP/1.1`,
    () => `GET ${target(ctx)} HTTP/1.1\r\rHost: ${host(ctx)}\r`,
  ]);
  const text = request(line, [`Host: ${host(ctx)}`]);
  return rng.chance(0.3) ? text.replaceAll(CRLF, '\n') : text;
};

const badHeaders: Shape = (ctx) =>
  get(ctx, [
    ctx.rng.pick([
      'NoColon',
      ' Leading: space',
      'Space : before',
      ': empty-name',
      'X-Nul: a\x00b',
      'X-Ctl: \x01\x7f',
      'X-Folded: a\r\n continued',
      'X-Folded: a\r\n\tcontinued',
      `Host: ${anyHost(ctx)}`,
    ]),
  ]);

const headerFlood: Shape = (ctx) => {
  const { rng } = ctx;
  const many = () => headerList(rng, rng.pick([100, 2000, 5000]), (i, v) => `X-F${i}: ${v}`);
  const huge = () => [`X-Huge: ${filler(rng, rng.between(10_000, 100_000))}`];
  return get(ctx, oneOf(rng, [many, huge, () => [...huge(), ...many()]]));
};

const hugeCookie: Shape = (ctx) => {
  const { rng } = ctx;
  const value = oneOf(rng, [
    () => `pd_session=${filler(rng, rng.between(4_000, 24_000))}`,
    () => headerList(rng, rng.between(50, 1_500), (i, v) => `c${i}=${v}`).join('; '),
    () => `pd_csrf=${'A'.repeat(rng.between(10, 200))}; pd_session=`,
    () => `pd_session="${junk(rng, 40)}"`,
  ]);
  return request(`GET ${path(ctx)} HTTP/1.1`, [`Host: ${host(ctx)}`, `Cookie: ${value}`]);
};

/** Host headers that are missing, doubled, foreign or malformed (all made from the options). */
const badHost: Shape = (ctx) => {
  const { rng } = ctx;
  const headers = oneOf(rng, [
    () => [],
    () => ['Host:'],
    () => [`Host: ${host(ctx)}`, `Host: ${foreign(ctx)}`],
    () => [`Host: ${host(ctx)}@${foreign(ctx)}`],
    () => [`Host: ${foreign(ctx)}`],
    () => [`Host: [${host(ctx)}`],
    () => [`Host: ${host(ctx).replace(/(:\d+)?$/, ':99999')}`],
    () => [`Host: ${host(ctx)}${'h'.repeat(rng.between(300, 10_000))}`],
    () => [`Host: ${host(ctx)}`, `X-Forwarded-Host: ${foreign(ctx)}`],
  ]);
  return request(`GET ${path(ctx)} HTTP/1.1`, [...headers, ...cookie(ctx)]);
};

/** Request targets in every form but origin-form, to the listener's hosts and foreign ones. */
const absoluteForm: Shape = (ctx) => {
  const { rng } = ctx;
  const url = oneOf(rng, [
    () => `http://${anyHost(ctx)}${path(ctx)}`,
    () => `https://${host(ctx)}${path(ctx)}`,
    () => `http://user:pass@${host(ctx)}${path(ctx)}`,
    () => `http://${host(ctx)}@${foreign(ctx)}${path(ctx)}`,
    () => `http://${anyHost(ctx)}`,
    () => `//${host(ctx)}//x`,
    () => `ftp://${host(ctx)}/`,
    () => anyHost(ctx),
    () => '*',
    () => '',
  ]);
  const verb = url === '*' ? 'OPTIONS' : rng.pick(['GET', 'HEAD', 'POST']);
  return request(`${verb} ${url} HTTP/1.1`, [`Host: ${rng.chance(0.5) ? host(ctx) : foreign(ctx)}`]);
};

/** Encoded slashes and their kin, in origin-form and absolute-form alike. */
const encodedPath: Shape = (ctx) =>
  get(ctx, [], ctx.rng.chance(0.5) ? hostilePath(ctx) : `http://${host(ctx)}${hostilePath(ctx)}`);

const connect: Shape = (ctx) => {
  const { rng } = ctx;
  const authority = rng.chance(0.5)
    ? anyHost(ctx)
    : `${anyHost(ctx).replace(/:\d+$/, '')}${rng.pick([':443', ':22', '', ':99999'])}`;
  const head = latin1(request(`CONNECT ${authority} HTTP/1.1`, [`Host: ${authority}`, ...cookie(ctx)]));
  // Often followed at once by what a TLS client sends, as curl does through an https_proxy.
  return rng.chance(0.5) ? [head, Buffer.concat([latin1('\x16\x03\x01'), rng.bytes(rng.int(600))])] : head;
};

/** Framing a front end and a back end could read differently, each hiding a second request. */
const smuggling: Shape = (ctx) => {
  const { rng } = ctx;
  const next = request(`GET ${path(ctx)} HTTP/1.1`, [`Host: ${host(ctx)}`]);
  const shapes: Array<() => [string[], string]> = [
    () => [['Content-Length: 4', 'Transfer-Encoding: chunked'], `0${CRLF}${CRLF}${next}`],
    () => [['Transfer-Encoding: chunked', 'Content-Length: 5'], `0${CRLF}${CRLF}${next}`],
    () => [['Content-Length: 5', 'Content-Length: 40'], `hello${next}`],
    () => [['Content-Length: 0'], next],
    () => [['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], `0${CRLF}${CRLF}${next}`],
    () => [['Transfer-Encoding: chunked, identity'], `0${CRLF}${CRLF}`],
    () => [['Transfer-Encoding: xchunked'], `5${CRLF}hello${CRLF}0${CRLF}${CRLF}`],
    () => [['Transfer-Encoding:\tchunked'], `0${CRLF}${CRLF}${next}`],
    () => [['X-Fold: x', ' Transfer-Encoding: chunked'], `0${CRLF}${CRLF}${next}`],
    () => [['Transfer-Encoding: chunked'], `zz${CRLF}hello${CRLF}0${CRLF}${CRLF}`],
    () => [['Transfer-Encoding: chunked'], `ffffffffffffffff${CRLF}x${CRLF}`],
    () => [
      ['Transfer-Encoding: chunked'],
      `5;ext=${'e'.repeat(rng.between(100, 20_000))}${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
    ],
    () => [
      ['Transfer-Encoding: chunked'],
      `5${CRLF}hello${CRLF}0${CRLF}X-Trailer: ${filler(rng, 50)}${CRLF}${CRLF}`,
    ],
    () => [['Content-Length: -1'], ''],
    () => [['Content-Length: 1e3'], 'x'],
    () => [['Content-Length: 99999999999999999999'], 'partial'],
  ];
  const [headers, body] = oneOf(rng, shapes);
  const verb = rng.pick(['POST', 'GET', 'PUT', 'HEAD']);
  return request(
    `${verb} ${target(ctx)} HTTP/1.1`,
    [`Host: ${host(ctx)}`, ...cookie(ctx), ...extraHeader(ctx), ...headers],
    body,
  );
};

/** Form posts with a missing, wrong or oversized CSRF token, and bodies that are no form. */
const badCsrf: Shape = (ctx) => {
  const { rng } = ctx;
  const form = new URLSearchParams({
    _csrf: rng.pick(['', 'x', filler(rng, 43), junk(rng, 30)]),
    password: filler(rng, rng.between(0, 40)),
    name: junk(rng, 20),
    next: '//x/',
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
    ['application/x-www-form-urlencoded', `_csrf=${filler(rng, 2_000)}`, rng.between(260_000, 3_000_000)],
    ['application/json', '{"_csrf":'],
  ]);
  const extra = rng.pick([
    [],
    [`Origin: http://${foreign(ctx)}`],
    ['Origin: null'],
    [`X-CSRF-Token: ${junk(rng, 20)}`],
  ]);
  const headers = [
    `Host: ${host(ctx)}`,
    ...cookie(ctx),
    `Content-Type: ${type}`,
    `Content-Length: ${claimed ?? Buffer.byteLength(body, 'latin1')}`,
    ...extra,
  ];
  return request(`POST ${path(ctx)} HTTP/1.1`, headers, body);
};

const pipelined: Shape = (ctx) =>
  Array.from({ length: ctx.rng.between(2, 5) }, () => plausible(ctx)).join('');

/** A request a few bytes at a time, each piece in its own write. */
const fragmented: Shape = (ctx) => {
  const text = latin1(get(ctx, ['Connection: close']));
  const parts: Buffer[] = [];
  for (let at = 0; at < text.length; ) {
    const n = ctx.rng.between(1, 8);
    parts.push(text.subarray(at, at + n));
    at += n;
  }
  return parts;
};

const truncated: Shape = (ctx) => {
  const full = plausible(ctx);
  return full.slice(0, ctx.rng.int(full.length));
};

/** A plausible request with a few bytes overwritten at random. */
const mutated: Shape = (ctx) => {
  const { rng } = ctx;
  const bytes = latin1(plausible(ctx));
  for (let i = rng.between(1, 4); i > 0; i--) bytes[rng.int(bytes.length)] = rng.int(256);
  return bytes;
};

const randomBytes: Shape = ({ rng }) => rng.bytes(rng.between(1, 2048));

/** Every shape by name; a run takes them in turn, so each gets its share of any count. */
export const SHAPES: Readonly<Record<string, Shape>> = {
  plausible,
  brokenRequestLine,
  badHeaders,
  headerFlood,
  hugeCookie,
  badHost,
  absoluteForm,
  encodedPath,
  connect,
  smuggling,
  badCsrf,
  pipelined,
  fragmented,
  truncated,
  mutated,
  randomBytes,
};
