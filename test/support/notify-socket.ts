/**
 * A notify socket like systemd's, for tests: test/support/notify-socket.py binds a unix datagram
 * socket (Node has none) and prints each message on a line. Skips where python3 is missing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const script = fileURLToPath(new URL('./notify-socket.py', import.meta.url));
// Debian's python3 first: a version manager's shim on the PATH can be slow to start.
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', '']).status === 0);

export const notifySocketUnavailable = (): string | false => {
  if (!python) return 'python3 not installed (it stands in for the notify socket)';
  if (spawnSync('systemd-notify', ['--version']).status !== 0)
    return 'systemd-notify not installed (apt-get install systemd)';
  return false;
};

export interface NotifySocket {
  path: string;
  /** Every datagram so far, its fields joined by spaces. */
  messages: string[];
}

export const notifySocket = async (t: TestContext, dir: string): Promise<NotifySocket> => {
  const path = join(dir, 'notify');
  const proc: ChildProcess = spawn(python!, [script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => proc.kill());
  const messages: string[] = [];
  let bound = false;
  let buffer = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      if (!bound && line === 'bound') bound = true;
      else messages.push(line);
    }
  });
  await waitFor(() => bound, 'the notify socket to be bound');
  return { path, messages };
};
