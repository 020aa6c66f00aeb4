/**
 * The quick start's `--lab` demo: the daemon runs inside the lab's appliance namespace, the UI is
 * reachable on this machine's loopback through the unix-socket bridge, and Ctrl-C removes the lab.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason, listNamespaces } from '../../scripts/lab/netns.js';
import { labKeepDir } from '../../scripts/lab/spec.js';
import { tempDir } from '../temp-dir.js';

const skip = labUnavailableReason() ?? false;
const demo = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

test('demo serves the UI from inside the lab and cleans up on SIGINT', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const name = `d${randomBytes(3).toString('hex')}`;
  t.after(() => rmSync(labKeepDir(name), { recursive: true, force: true }));
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      demo,
      '--name',
      name,
      '--hosts',
      '3',
      '--managed',
      '2',
      '--port',
      String(port),
      '--data-dir',
      await tempDir(t),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Never SIGKILL first: the demo must get the chance to remove its lab.
  t.after(async () => {
    if (proc.exitCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGINT');
    // Up to 10 s to tear its lab down, then it is killed.
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ctrl-C stops everything/.test(out)) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`demo exited ${code}: ${out}`)));
  });
  // The life cycle runs offline: the daemon's settings point at the lab vendor's feed and repository.
  const settings = /Settings: (\S+\.json)/.exec(out)?.[1] ?? '';
  const config = JSON.parse(readFileSync(settings, 'utf8'));
  assert.match(config.catalog.feeds[0].url, /^http:\/\/10\./);
  assert.equal(config.deploy.groups[0].members.length, 2, 'pilot1 and pilot2 form ring 0');
  assert.match(out, /Ring 0 is\s+pilot1, pilot2/);
  // Every message names the lab that --name chose, never a fixed 'demo'.
  assert.match(out, new RegExp(`^lab ${name}: building the simulated site`, 'm'));
  assert.match(out, new RegExp(`^lab ${name}: open http://localhost:${port}/`, 'm'));
  assert.doesNotMatch(out, /^demo:/m);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  const setup = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
  assert.equal(setup.headers.get('location'), '/setup');
  assert.ok(
    listNamespaces().some((ns) => ns.startsWith(`pdl-${name}-`)),
    listNamespaces().join(' '),
  );

  proc.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.deepEqual(
    listNamespaces().filter((ns) => ns.startsWith(`pdl-${name}-`)),
    [],
  );
  // What outlives the lab: its settings (the Settings pages save there) and the managed hosts'
  // identities, so the next start finds the same hosts with the same host keys.
  assert.equal(settings, join(labKeepDir(name), 'config.json'));
  assert.deepEqual(JSON.parse(readFileSync(settings, 'utf8')), config);
  for (const label of ['pilot1', 'pilot2'])
    assert.ok(existsSync(join(labKeepDir(name), 'hosts', label, 'host_key')), `${label}'s host key is kept`);
});
