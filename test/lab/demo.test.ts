/**
 * The quick start's `--lab` demo: the daemon runs inside the lab's appliance namespace, the UI is
 * reachable on this machine's loopback through the unix-socket bridge, and Ctrl-C removes the lab.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason, listNamespaces } from '../../scripts/lab/netns.js';
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
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('demo: open')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`demo exited ${code}: ${out}`)));
  });
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
});
