/**
 * The reference console against a real appliance API on a socket: a verified first pull, 304 while
 * nothing changed, a pinned key that does not match, an unreachable site, the combined table from
 * the CLI, and its --serve page under a fuzz run.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { serve } from '@hono/node-server';
import { exportJWK } from 'jose';
import { pullSite, type SiteEntry, type SiteState, verifySummary } from '../../../daemon/api/console-pull.js';
import { fuzzRun } from '../../support/fuzz-seed.js';
import { generateHttpInputs } from '../../support/http-fuzz.js';
import { fuzzSummary, runFuzzInputs } from '../../support/socket-runner.js';
import { tempDir } from '../../temp-dir.js';
import { apiHarness } from './api-harness.js';

const SOURCES = {
  assess: {
    current: async () => ({
      compliance: {
        hosts: 4,
        assessed: 4,
        uncovered: 0,
        compliant: 3,
        ratio: 0.75,
        missingFixes: 2,
        bySeverity: { critical: 1, high: 1, medium: 0, low: 0, negligible: 0, unknown: 0 },
        hostsAtRisk: 1,
        rebootRequired: 0,
      },
      hosts: [],
    }),
  },
};

/** An appliance's API on a loopback socket, a console:read token and its pinned key. */
const appliance = async (t: TestContext) => {
  const h = await apiHarness(t, { sources: SOURCES });
  const token = await h.makeToken(['console:read']);
  const server = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = h.api.siteKey.publicKey.jwk as { kty: 'OKP'; crv: 'Ed25519'; x: string };
  const site: SiteEntry = { url, token, publicKey: jwk };
  return { h, url, token, site, pem: h.api.siteKey.publicKey.pem };
};

const otherKey = async () =>
  (await exportJWK(generateKeyPairSync('ed25519').publicKey)) as SiteEntry['publicKey'];

test('a verified first pull, then 304 while nothing changed; PEM pins work like JWK pins', async (t) => {
  const a = await appliance(t);
  const statuses: number[] = [];
  const counting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    statuses.push(res.status);
    return res;
  };
  const state: SiteState = {};
  await pullSite(a.site, state, { fetch: counting });
  assert.equal(state.error, undefined);
  assert.equal(state.summary?.site.name, 'Branch 7');
  assert.equal(state.summary?.compliance?.percent, 75);
  assert.ok(state.etag);
  await pullSite(a.site, state, { fetch: counting });
  assert.deepEqual(statuses, [200, 304]);
  assert.equal(state.error, undefined);
  const pem: SiteState = {};
  await pullSite({ ...a.site, publicKey: a.pem }, pem);
  assert.equal(pem.summary?.site.id, state.summary?.site.id);
});

test('a summary is refused under another key, after one changed byte, or with a revoked token', async (t) => {
  const a = await appliance(t);
  const wrong: SiteState = {};
  await pullSite({ ...a.site, publicKey: await otherKey() }, wrong);
  assert.match(wrong.error ?? '', /does not verify with the pinned key/);
  assert.equal(wrong.summary, undefined, 'nothing unverified is kept');

  const jws = await (
    await fetch(`${a.url}/api/v1/summary.jws`, { headers: { authorization: `Bearer ${a.token}` } })
  ).text();
  assert.equal((await verifySummary(jws, a.site)).site.name, 'Branch 7');
  const [head, body, sig] = jws.split('.') as [string, string, string];
  const payload = Buffer.from(body, 'base64url');
  payload[10] = payload[10]! ^ 1;
  await assert.rejects(
    verifySummary(`${head}.${payload.toString('base64url')}.${sig}`, a.site),
    /does not verify/,
  );

  const bad: SiteState = {};
  await pullSite({ ...a.site, token: `pdt_000000000000_${'A'.repeat(43)}` }, bad);
  assert.match(
    bad.error ?? '',
    /refused the token \(401: invalid API token\): it is wrong, expired or revoked/,
  );

  // A token made without console:read (only metrics:read ticked) is told apart from a wrong one.
  const scoped: SiteState = {};
  await pullSite({ ...a.site, token: await a.h.makeToken(['metrics:read']) }, scoped);
  assert.match(scoped.error ?? '', /refused the token \(403: API token \w+ lacks the scope console:read\)/);
});

/** Run the CLI without blocking this process, which serves the appliance it pulls. */
const cli = (args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'daemon/main.ts', 'console', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

test('the CLI prints one table, keeps the last summary of a site that stopped answering, and exits 1 then', async (t) => {
  const a = await appliance(t);
  const dir = await tempDir(t);
  const sitesFile = join(dir, 'sites.json');
  const sites = [
    { name: 'Leeds', url: a.url, token: a.token, publicKey: a.site.publicKey },
    {
      name: 'Wrong key',
      url: a.url.replace('127.0.0.1', 'localhost'),
      token: a.token,
      publicKey: await otherKey(),
    },
  ];
  await writeFile(sitesFile, JSON.stringify({ sites }));
  const first = await cli(['pull', '--sites', sitesFile]);
  assert.equal(first.status, 1, first.stderr);
  assert.match(first.stdout, /^SITE +COMPLIANCE +AT RISK +FAILED DEPLOYMENTS +LAST CONTACT +STATUS\n/);
  assert.match(first.stdout, /\nLeeds +75 % +1 +- +just now +ok\n/);
  assert.match(first.stdout, /\nWrong key +- +- +- +never +stale: the summary's signature does not verify/);
  const stateFile = join(dir, 'sites.state.json');
  assert.equal((await stat(stateFile)).mode & 0o777, 0o600);

  // The appliance goes away: its row keeps the last verified figures and says why they are old.
  await writeFile(sitesFile, JSON.stringify({ sites: [{ ...sites[0], url: 'http://127.0.0.1:65531' }] }));
  const state = JSON.parse(await readFile(stateFile, 'utf8'));
  state.sites['http://127.0.0.1:65531'] = state.sites[a.url];
  await writeFile(stateFile, JSON.stringify(state));
  const down = await cli(['pull', '--sites', sitesFile, '--json']);
  assert.equal(down.status, 1);
  const [row] = JSON.parse(down.stdout);
  assert.equal(row.compliancePercent, 75);
  assert.match(row.error, /cannot reach the site \(ECONNREFUSED\)/);

  const typo = await cli(['pull', '--sites', join(dir, 'nope.json')]);
  assert.notEqual(typo.status, 0);
  assert.match(typo.stderr, /cannot read .*nope\.json \(ENOENT\)/);
  assert.doesNotMatch(typo.stderr, /\n\s+at /, 'no stack trace for a user mistake');
  await writeFile(sitesFile, JSON.stringify({ sites: [{ url: 'ftp://x', publicKey: 'k' }] }));
  const bad = await cli(['pull', '--sites', sitesFile]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /sites\.0\.url/);
  assert.match(bad.stderr, /see "Central console API" in the README/);
  assert.doesNotMatch(bad.stderr, /restore a backup/, 'sites.json is written by hand, not restored');

  // The fingerprint pasted where the key goes, and a key cut short: both named before any pull.
  const fingerprint = { ...sites[0], publicKey: 'ORDQ6kSCoO-HhG-j9fDkChlJpmBcUhXHRdWErz2QuR4' };
  await writeFile(sitesFile, JSON.stringify({ sites: [fingerprint] }));
  const fp = await cli(['pull', '--sites', sitesFile]);
  assert.notEqual(fp.status, 0);
  assert.match(
    fp.stderr,
    /sites\.0\.publicKey: .*the JWK object, or the PEM .*the fingerprint is not enough/,
  );
  const cut = { ...sites[0], publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'abc' } };
  await writeFile(sitesFile, JSON.stringify({ sites: [cut] }));
  const short = await cli(['pull', '--sites', sitesFile]);
  assert.notEqual(short.status, 0);
  assert.match(short.stderr, /sites\.0\.publicKey \(Leeds\) is not an Ed25519 public key/);
  assert.doesNotMatch(short.stdout, /SITE/, 'nothing is pulled with a broken sites.json');
});

test('the console page survives a fuzz run and still serves the table', { timeout: 120_000 }, async (t) => {
  const a = await appliance(t);
  const dir = await tempDir(t);
  const sitesFile = join(dir, 'sites.json');
  await writeFile(sitesFile, JSON.stringify({ sites: [{ name: '<b>Leeds</b>', ...a.site }] }));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'daemon/main.ts', 'console', 'pull', '--sites', sitesFile, '--serve', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /serving the console on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`console exited ${code}`)));
  });
  const page = await (await fetch(url)).text();
  assert.match(page, /&lt;b&gt;Leeds&lt;\/b&gt;/);
  assert.match(page, /75 %/);
  const run = fuzzRun(2_000);
  t.diagnostic(`replay with ${run.replay}`);
  const { hostname, port } = new URL(url);
  const outcomes = await runFuzzInputs(
    generateHttpInputs(run.seed, run.count, {
      hosts: [`${hostname}:${port}`],
      foreignHosts: ['evil.example', '127.0.0.2:9'],
      paths: ['/', '/sites.json', '/nope'],
    }),
    { port: Number(port), host: hostname, concurrency: 16, deadlineMs: 3_000, holdMs: 200 },
  );
  t.diagnostic(fuzzSummary(outcomes));
  assert.equal(child.exitCode, null, `the console is still running (${run.replay})`);
  assert.deepEqual(
    outcomes.filter((o) => (o.status ?? 0) >= 500).map((o) => `#${o.id} ${o.kind} -> ${o.status}`),
    [],
  );
  const rows = (await (await fetch(`${url}sites.json`)).json()) as Array<{ site: string }>;
  assert.equal(rows[0]?.site, '<b>Leeds</b>');
});
