/**
 * Start one of the lab's long-running programs (a host agent, the vendor's server) inside a
 * namespace, detached so it outlives `lab up`; resolves once it prints "ready". `down` finds it by
 * its namespace.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export const startDetached = (ns: string, script: string, config: unknown, what: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', script, JSON.stringify(config)],
      { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error('did not report ready within 20 s')), 20_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${what} failed: ${e.message} ${err.trim()}`));
    };
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('ready\n')) return;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve(child.pid ?? 0);
    });
    child.once('error', fail);
    child.once('exit', (code) => {
      if (!out.includes('ready\n')) fail(new Error(`exited with code ${code}`));
    });
  });
