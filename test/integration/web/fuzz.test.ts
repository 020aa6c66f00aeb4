/**
 * Fuzz the real daemon's web port over raw TCP: at least 10,000 seeded inputs (random bytes, broken
 * request lines, header floods, CONNECT, smuggling shapes, absolute-form URLs, encoded slashes,
 * huge cookies, bad Host headers, bad CSRF, pipelining, fragments) ended by half-close, drop,
 * reset, abandon or silence. The daemon must stay up and answer /healthz throughout and after, and
 * never answer 5xx. Replay a run with the line it prints (`FUZZ_SEED=<n> FUZZ_COUNT=<n>`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAV } from '../../../web/views/layout.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { generateHttpInputs } from '../../support/http-fuzz.js';
import { fuzzSummary, runFuzzInputs } from '../../support/socket-runner.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';
import { setUpOverHttp } from './http-session.js';

/** /healthz within a deadline, however busy the daemon is. */
const healthy = async (url: string): Promise<number> => {
  const res = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
};

test('web port fuzz: seeded hostile inputs never take the daemon down', { timeout: 180_000 }, async (t) => {
  const run = fuzzRun(10_000);
  t.diagnostic(`replay with ${run.replay}`);
  const dir = await tempDir(t);
  const daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  // A signed-in session lets inputs reach the pages behind the login gate. No valid CSRF token
  // is ever given out: nothing the fuzzer sends can change state (or start a network scan).
  const admin = await setUpOverHttp(daemon.url, 'fuzz passphrase 1', dir);
  // A real API token lets inputs reach the console API behind its bearer-token gate (read only).
  const made = await (
    await admin.post('/settings/tokens', { name: 'fuzz', scope: 'console:read' }, '/settings')
  ).text();
  const token = /<code>(pdt_[0-9a-f]{12}_[A-Za-z0-9_-]{43})<\/code>/.exec(made)?.[1];
  assert.ok(token, 'an API token for the fuzzer');
  const { hostname, port } = new URL(daemon.url);
  const paths = [
    ...NAV.map(([href]) => href),
    ...['/setup', '/login', '/logout', '/healthz', '/metrics', '/static/style.css', '/static/htmx.min.js'],
    ...['/patches/feeds', '/patches/feeds/bundle', '/settings/password', '/settings/scopes', '/assets/table'],
    ...['/cache/-/live', '/cache/127.0.0.1:9/x.deb', '/api/v1/hosts', '/', '/nope'],
    ...['/api/v1/summary', '/api/v1/summary.jws', '/api/v1/changes?since=1', '/api/v1/openapi.json'],
    ...['/api/v1/missing-fixes?after=x&limit=9', '/settings/tokens', '/settings/tokens/0123456789ab/revoke'],
  ];
  // The web port connects nowhere, so foreign names here are only ever text in a header.
  const inputs = generateHttpInputs(run.seed, run.count, {
    hosts: [`${hostname}:${port}`, hostname, 'localhost'],
    foreignHosts: ['evil.example', 'dépôt.example', '127.0.0.2:9', `${hostname}:9`],
    paths,
    cookies: [admin.cookie(), 'pd_session=forged; pd_csrf=AAAAAAAAAAAAAAAAAAAA'],
    methods: ['PUT', 'PATCH', 'PROPFIND'],
    headers: [
      `Authorization: Bearer ${token}`,
      `Authorization: Bearer pdt_000000000000_${'A'.repeat(43)}`,
      'Authorization: Basic Og==',
    ],
  });
  const outcomes = await runFuzzInputs(inputs, {
    port: Number(port),
    host: hostname,
    concurrency: 24,
    deadlineMs: 3_000,
    holdMs: 300,
    checkpoint: {
      every: 1_000,
      run: async (done) => {
        assert.equal(daemon.proc.exitCode, null, `daemon exited after ${done} inputs (${run.replay})`);
        assert.equal(await healthy(daemon.url), 200, `healthz after ${done} inputs (${run.replay})`);
      },
    },
  });

  t.diagnostic(fuzzSummary(outcomes));
  assert.equal(outcomes.length, run.count);
  assert.equal(daemon.proc.exitCode, null, `the daemon is still running (${run.replay})`);
  assert.equal(await healthy(daemon.url), 200);
  const page = await admin.get('/');
  assert.equal(page.status, 200, 'a signed-in page still renders');
  const serverErrors = outcomes.filter((o) => (o.status ?? 0) >= 500);
  assert.deepEqual(
    serverErrors.map((o) => `#${o.id} ${o.kind} -> ${o.status}`),
    [],
    `5xx answers (${run.replay})`,
  );
  const answered = outcomes.filter((o) => o.status !== undefined).length;
  assert.ok(answered > run.count / 3, `most inputs get an answer (${answered} of ${run.count})`);
  assert.equal(daemon.stderr(), '', `nothing on stderr (${run.replay})`);
  assert.deepEqual(
    daemon.logs.filter((l) => l.level === 'error').map((l) => l.msg),
    [],
    `no error lines (${run.replay})`,
  );
});
