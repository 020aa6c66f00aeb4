/**
 * The real RemoteRunner: an SSH client (ssh2, pure JavaScript) that verifies the host key
 * through the caller before sending any credential, authenticates with the appliance key (then
 * the password, if one is stored), and runs commands on exec channels with a timeout and an
 * output cap each.
 */
import {
  type AuthMethod,
  Client,
  type ClientChannel,
  type ConnectConfig,
  type KeyboardInteractiveAuthMethod,
  type PasswordAuthMethod,
  type PublicKeyAuthMethod,
} from 'ssh2';
import type {
  ConnectOptions,
  ExecLimits,
  ExecResult,
  RemoteRunner,
  RemoteSession,
  SshTarget,
} from './ports.js';
import { RemoteError } from './remote-error.js';
import { keyTypeOf } from './ssh-key-format.js';

const describe = (target: SshTarget): string =>
  `${target.username}@${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;

const classify = (err: Error & { level?: string; code?: string }, target: SshTarget): RemoteError => {
  const who = describe(target);
  if (err.level === 'client-authentication') {
    return new RemoteError(
      'auth',
      `${who}: login refused. Install the appliance public key in ~${target.username}/.ssh/authorized_keys ` +
        'on the host, or store a password for it.',
      { cause: err },
    );
  }
  if (err.level === 'client-timeout') {
    return new RemoteError('timeout', `${who}: no SSH handshake in time`, { cause: err });
  }
  const detail =
    err.code === 'ECONNREFUSED' ? 'connection refused (is sshd running on that port?)' : err.message;
  return new RemoteError('connect', `${who}: ${detail}`, { cause: err });
};

class Ssh2Session implements RemoteSession {
  constructor(
    private readonly client: Client,
    private readonly label: string,
  ) {}

  exec(command: string, limits: ExecLimits): Promise<ExecResult> {
    const what = command.length > 80 ? `${command.slice(0, 77)}...` : command;
    return new Promise((resolve, reject) => {
      if (limits.signal?.aborted) {
        reject(new RemoteError('aborted', `${this.label}: collection cancelled`));
        return;
      }
      this.client.exec(command, (err, stream) => {
        if (err) {
          // No channel means the session itself is gone or refusing: a connection problem.
          reject(
            new RemoteError('connect', `${this.label}: cannot start "${what}": ${err.message}`, {
              cause: err,
            }),
          );
          return;
        }
        collect(stream, limits, this.label, what).then(resolve, reject);
      });
    });
  }

  close(): void {
    this.client.end();
  }
}

const collect = (
  stream: ClientChannel,
  limits: ExecLimits,
  label: string,
  what: string,
): Promise<ExecResult> =>
  new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    let exit: { code: number | null; signal?: string } | undefined;
    let done = false;
    const finish = (err?: RemoteError): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      if (err) {
        // Ask the server to kill the command, then drop the channel either way.
        try {
          stream.signal('KILL');
        } catch {
          // the channel may already be gone
        }
        stream.close();
        reject(err);
        return;
      }
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: exit?.code ?? null,
        ...(exit?.signal ? { signal: exit.signal } : {}),
      });
    };
    const timer = setTimeout(
      () =>
        finish(
          new RemoteError('timeout', `${label}: "${what}" did not finish within ${limits.timeoutMs} ms`),
        ),
      limits.timeoutMs,
    );
    const onAbort = (): void => finish(new RemoteError('aborted', `${label}: collection cancelled`));
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    const take =
      (into: Buffer[]) =>
      (chunk: Buffer): void => {
        if (done) return;
        bytes += chunk.length;
        if (bytes > limits.maxOutputBytes) {
          finish(
            new RemoteError(
              'output-limit',
              `${label}: "${what}" printed more than ${limits.maxOutputBytes} bytes; stopped it`,
            ),
          );
          return;
        }
        into.push(chunk);
      };
    stream.on('data', take(stdout));
    stream.stderr.on('data', take(stderr));
    stream.on('exit', (code: number | null, signal?: string) => {
      exit = { code: typeof code === 'number' ? code : null, ...(signal ? { signal } : {}) };
    });
    // A channel that closes without an exit status lost its connection (host rebooted, sshd
    // killed, network gone): that is not the command's answer.
    stream.on('close', () =>
      finish(
        exit ? undefined : new RemoteError('connect', `${label}: connection lost while running "${what}"`),
      ),
    );
  });

/**
 * Key first; then, with a stored password, plain password auth and the keyboard-interactive form
 * PAM-only servers use. Only hidden prompts get the password: a server asking anything else (a
 * one-time code) gets an empty answer and the login fails as an auth error.
 */
const authMethods = (target: SshTarget): AuthMethod[] => {
  const key: PublicKeyAuthMethod = { type: 'publickey', username: target.username, key: target.privateKey };
  const password = target.password;
  if (password === undefined) return [key];
  const plain: PasswordAuthMethod = { type: 'password', username: target.username, password };
  const interactive: KeyboardInteractiveAuthMethod = {
    type: 'keyboard-interactive',
    username: target.username,
    prompt: (_name, _instructions, _lang, prompts, finish) =>
      finish(prompts.map((p) => (p.echo ? '' : password))),
  };
  return [key, plain, interactive];
};

export class Ssh2Runner implements RemoteRunner {
  connect(target: SshTarget, opts: ConnectOptions): Promise<RemoteSession> {
    const label = describe(target);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let verifyError: unknown;
      let settled = false;
      const settle = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err === undefined) {
          resolve(new Ssh2Session(client, label));
          return;
        }
        client.end();
        reject(err);
      };
      // ssh2's readyTimeout covers the handshake only; this also covers a stalled TCP connect.
      const timer = setTimeout(
        () => settle(new RemoteError('timeout', `${label}: no SSH session within ${opts.timeoutMs} ms`)),
        opts.timeoutMs,
      );
      const onAbort = (): void => settle(new RemoteError('aborted', `${label}: collection cancelled`));
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      client.on('ready', () => settle());
      client.on('error', (err) => settle(verifyError ?? classify(err, target)));
      client.on('close', () =>
        settle(verifyError ?? new RemoteError('connect', `${label}: connection closed during the handshake`)),
      );
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.username,
        privateKey: target.privateKey,
        readyTimeout: opts.timeoutMs,
        keepaliveInterval: 15_000,
        authHandler: authMethods(target),
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          let type: string;
          try {
            type = keyTypeOf(key);
          } catch (err) {
            verifyError = new RemoteError(
              'connect',
              `${label}: malformed host key: ${(err as Error).message}`,
            );
            verify(false);
            return;
          }
          target.verifyHostKey({ type, blob: key }).then(
            () => verify(true),
            (err: unknown) => {
              verifyError = err;
              verify(false);
            },
          );
        },
      };
      if (target.password !== undefined) config.password = target.password;
      if (target.hostKeyAlgorithms) {
        config.algorithms = {
          serverHostKey: target.hostKeyAlgorithms as NonNullable<
            ConnectConfig['algorithms']
          >['serverHostKey'],
        };
      }
      try {
        client.connect(config);
      } catch (err) {
        settle(new RemoteError('connect', `${label}: ${(err as Error).message}`, { cause: err }));
      }
    });
  }
}
