/**
 * The SSH runner the daemon uses: ssh2 (a pure-JavaScript SSH stack, about 120 ms of start-up and a
 * few MB of code) is loaded with the first connection, not at start: a site may never collect, and
 * /healthz should not wait for it.
 */
import type { ConnectOptions, RemoteRunner, RemoteSession, SshTarget } from './ports.js';

export const lazySsh2Runner = (): RemoteRunner => {
  let runner: Promise<RemoteRunner> | undefined;
  return {
    async connect(target: SshTarget, opts: ConnectOptions): Promise<RemoteSession> {
      runner ??= import('./ssh-runner.js').then((m) => new m.Ssh2Runner());
      return (await runner).connect(target, opts);
    },
  };
};
