/**
 * Seeded fuzzing of HTTP listeners over raw sockets, for every listener's fuzz test (proxy, web,
 * TFTP...). One small PRNG makes a run replayable: the seed is printed, `FUZZ_SEED=<n>` repeats it.
 * `generateHttpInputs` builds hostile and broken requests for the hosts and paths a test names;
 * `runFuzz` writes each to a fresh socket with a deadline, with bounded concurrency, probes the
 * service's health as it goes, and reports what came back.
 */
import { randomInt } from 'node:crypto';
import { type After, exchange, type Outcome } from './raw-socket.js';

/** mulberry32: tiny, fast, and the same sequence for the same seed on every machine. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** 0 <= n < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** The seed from `FUZZ_SEED`, or a fresh one (print it: it is how a failure is replayed). */
export const fuzzSeed = (env: NodeJS.ProcessEnv = process.env): number => {
  const given = env.FUZZ_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`FUZZ_SEED must be a non-negative integer, not ${given}`);
  return seed;
};

export interface FuzzInput {
  /** Which generator made it (for the report). */
  kind: string;
  bytes: Buffer;
  after: After;
  resetAfterBytes?: number;
}

export interface HttpTargets {
  /** Authorities (`host:port`) for absolute-form URLs and Host headers: allowed, refused, hostile. */
  hosts: readonly string[];
  /** Paths (origin-form, starting with `/`), benign and hostile. */
  paths: readonly string[];
}

const CRLF = '\r\n';
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'get',
  'G\x00T',
  'PRI',
  'M-SEARCH',
];
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

const target = (r: Rng, t: HttpTargets): string => {
  let path = r.pick(t.paths);
  if (r.chance(0.3)) {
    const cut = r.int(path.length + 1);
    path = `${path.slice(0, cut)}${r.pick(HOSTILE_SEGMENTS)}${path.slice(cut)}`;
  }
  switch (r.int(3)) {
    case 0:
      return path;
    case 1:
      return `http://${r.pick(t.hosts)}${path}`;
    default:
      return r.pick([
        `https://${r.pick(t.hosts)}${path}`,
        '*',
        r.pick(t.hosts),
        `http://${r.pick(t.hosts)}`,
        '',
      ]);
  }
};

const headerBlock = (r: Rng, t: HttpTargets): string[] => {
  const lines = r.chance(0.9) ? [`Host: ${r.pick(t.hosts)}`] : [];
  const extras = [
    'User-Agent: Debian APT-HTTP/1.3 (2.6.1)',
    'Cache-Control: max-age=0',
    'Range: bytes=0-99',
    `Range: bytes=${r.int(1000)}-${r.int(1000)}`,
    'Range: bytes=-1,0-,5-2',
    'If-None-Match: "x", *',
    'If-Modified-Since: yesterday',
    'If-Range: "nope"',
    'Connection: close',
    'Connection: keep-alive, Upgrade',
    'Upgrade: websocket',
    'Expect: 100-continue',
    'Accept-Encoding: gzip',
    `X-Junk: ${r
      .bytes(r.int(40))
      .toString('latin1')
      .replace(/[\r\n]/g, '')}`,
  ];
  for (let i = r.int(6); i > 0; i--) lines.push(r.pick(extras));
  return lines;
};

const request = (r: Rng, t: HttpTargets, method = 'GET'): string =>
  [`${method} ${target(r, t)} HTTP/1.1`, ...headerBlock(r, t), '', ''].join(CRLF);

/** One generator per shape of trouble. */
const GENERATORS: Record<string, (r: Rng, t: HttpTargets) => string | Buffer> = {
  plain: (r, t) => request(r, t, r.chance(0.8) ? r.pick(['GET', 'HEAD']) : r.pick(METHODS)),
  random: (r) => r.bytes(r.int(2048)),
  brokenLine: (r, t) =>
    r.pick([
      `GET ${target(r, t)}${CRLF}${CRLF}`,
      `GET ${target(r, t)} HTTP/9.9${CRLF}${CRLF}`,
      `GET  ${target(r, t)}  HTTP/1.1${CRLF}${CRLF}`,
      `GET ${target(r, t)} HTTP/1.1\n\n`,
      `GET ${target(r, t)} HTTP/1.1\r\rHost: x\r\r`,
      `GET /${'a'.repeat(r.int(70_000))} HTTP/1.1${CRLF}${CRLF}`,
      `${r.pick(METHODS)}${CRLF}${CRLF}`,
      `${CRLF}${CRLF}${CRLF}GET / HTTP/1.1${CRLF}${CRLF}`,
      `GET ${target(r, t)} HTTP/1.1${CRLF}Host: x`,
    ]),
  headerFlood: (r, t) => {
    const count = r.pick([100, 2000, 5000]);
    const big = r.chance(0.5) ? `X-Big: ${'b'.repeat(r.int(100_000))}${CRLF}` : '';
    const many = Array.from({ length: count }, (_, i) => `X-H${i}: ${i}${CRLF}`).join('');
    return `GET ${target(r, t)} HTTP/1.1${CRLF}Host: ${r.pick(t.hosts)}${CRLF}${big}${many}${CRLF}`;
  },
  badHeaders: (r, t) => {
    const bad = r.pick([
      'NoColon',
      ' Leading: space',
      'Space : before',
      `Host: ${r.pick(t.hosts)}${CRLF}Host: ${r.pick(t.hosts)}`,
      'X-Nul: a\x00b',
      'X-Folded: a\r\n continued',
      'X-Folded: a\r\n\tcontinued',
      ': empty-name',
      'X-Ctl: \x01\x7f',
    ]);
    return `GET ${target(r, t)} HTTP/1.1${CRLF}Host: ${r.pick(t.hosts)}${CRLF}${bad}${CRLF}${CRLF}`;
  },
  connect: (r, t) => {
    const line = `CONNECT ${r.pick(t.hosts)}${r.pick([':443', ':22', '', ':99999'])} HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`;
    return r.chance(0.5)
      ? Buffer.concat([Buffer.from(line), Buffer.from([0x16, 0x03, 0x01]), r.bytes(r.int(600))])
      : line;
  },
  smuggling: (r, t) => {
    const start = `${r.pick(['GET', 'POST', 'HEAD'])} ${target(r, t)} HTTP/1.1${CRLF}Host: ${r.pick(t.hosts)}${CRLF}`;
    const smuggled = `GET /cache/${r.pick(t.hosts)}/smuggled HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`;
    const framing = r.pick([
      `Content-Length: 5${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}${smuggled}`,
      `Content-Length: 5${CRLF}Content-Length: 50${CRLF}${CRLF}hello${smuggled}`,
      `Transfer-Encoding: chunked${CRLF}Transfer-Encoding: identity${CRLF}${CRLF}5${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
      `Transfer-Encoding: xchunked${CRLF}${CRLF}0${CRLF}${CRLF}`,
      `Transfer-Encoding:\tchunked${CRLF}${CRLF}ffffffffffffffff${CRLF}x${CRLF}`,
      `Transfer-Encoding: chunked${CRLF}${CRLF}5;ext=${'e'.repeat(20_000)}${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
      `Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}${CRLF}`,
      `Content-Length: -1${CRLF}${CRLF}`,
      `Content-Length: 1e3${CRLF}${CRLF}`,
      `Content-Length: 99999999999${CRLF}${CRLF}partial`,
      `Content-Length: 0${CRLF}${CRLF}${smuggled}`,
      `X-Fold: x${CRLF} Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}`,
    ]);
    return start + framing;
  },
  pipelined: (r, t) => request(r, t) + request(r, t) + (r.chance(0.5) ? request(r, t) : ''),
  truncated: (r, t) => {
    const full = request(r, t);
    return full.slice(0, r.int(full.length));
  },
  mutated: (r, t) => {
    const bytes = Buffer.from(request(r, t), 'latin1');
    for (let i = 1 + r.int(4); i > 0; i--) bytes[r.int(bytes.length)] = r.int(256);
    return bytes;
  },
};

const after = (r: Rng): Pick<FuzzInput, 'after' | 'resetAfterBytes'> => {
  const roll = r.next();
  if (roll < 0.8) return { after: 'end' };
  if (roll < 0.95) return { after: 'reset', resetAfterBytes: r.pick([0, 1, 100, 10_000]) };
  if (roll < 0.98) return { after: 'end-unread' };
  return { after: 'read' };
};

/**
 * `count` inputs from `seed`: the same seed gives the same inputs in the same order. Made one at a
 * time as the runner asks (some are 100 KB; ten thousand of them need not sit in memory).
 */
export function* generateHttpInputs(seed: number, count: number, targets: HttpTargets): Generator<FuzzInput> {
  const r = new Rng(seed);
  const kinds = Object.keys(GENERATORS);
  for (let i = 0; i < count; i++) {
    const kind = r.pick(kinds);
    const made = GENERATORS[kind]!(r, targets);
    yield { kind, bytes: typeof made === 'string' ? Buffer.from(made, 'latin1') : made, ...after(r) };
  }
}

export interface FuzzReport {
  count: number;
  /** Per generator, then per outcome: `end` (how the exchange ended) and the HTTP status. */
  outcomes: Record<string, Record<string, number>>;
  /** Inputs the listener failed on, and failed health probes, each with its input number. */
  failures: string[];
}

export interface FuzzRunOptions {
  port: number;
  host?: string;
  /** Exchanges in flight at once. */
  concurrency: number;
  /**
   * Deadline of an exchange that half-closed and waits for the close. Those that keep the socket
   * open or never read get a twentieth: staying open is their point, not a hang.
   */
  deadlineMs?: number;
  /** Throws when the service is unhealthy; run every `probeEvery` inputs and at the end. */
  probe?: () => Promise<void>;
  probeEvery?: number;
  /** Why this outcome is a failure, or undefined. Default: the listener refused the connection. */
  judge?: (outcome: Outcome, input: FuzzInput) => string | undefined;
}

const listenerGone = (o: Outcome): string | undefined =>
  o.end === 'error' && o.error === 'ECONNREFUSED' ? 'connection refused: the listener is gone' : undefined;

const preview = (bytes: Buffer): string => JSON.stringify(bytes.subarray(0, 120).toString('latin1'));

/** Write every input to a fresh socket, `concurrency` at a time, and report. */
export const runFuzz = async (inputs: Iterable<FuzzInput>, opts: FuzzRunOptions): Promise<FuzzReport> => {
  const report: FuzzReport = { count: 0, outcomes: {}, failures: [] };
  const source = inputs[Symbol.iterator]();
  const deadline = opts.deadlineMs ?? 5000;
  const judge = opts.judge ?? listenerGone;
  const probe = async (at: number) => {
    await opts
      .probe?.()
      .catch((err: unknown) => report.failures.push(`health probe after input ${at}: ${err}`));
  };
  const worker = async () => {
    for (let next = source.next(); !next.done; next = source.next()) {
      const input = next.value;
      const n = report.count++;
      const outcome = await exchange(input.bytes, {
        port: opts.port,
        host: opts.host,
        after: input.after,
        resetAfterBytes: input.resetAfterBytes,
        deadlineMs: input.after === 'end' ? deadline : deadline / 20,
      });
      const tally = report.outcomes[input.kind] ?? {};
      report.outcomes[input.kind] = tally;
      const key = `${input.after}: ${outcome.end} ${outcome.status ?? '-'}`;
      tally[key] = (tally[key] ?? 0) + 1;
      const why = judge(outcome, input);
      if (why)
        report.failures.push(`input ${n} (${input.kind}, ${input.after}): ${why}; ${preview(input.bytes)}`);
      if (opts.probeEvery && (n + 1) % opts.probeEvery === 0) await probe(n);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await probe(report.count);
  return report;
};
