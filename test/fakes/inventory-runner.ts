/**
 * An in-memory RemoteRunner for the inventory unit tests: hosts with a host key, accepted
 * logins and scripted command answers. It keeps the real adapter's contract: the host key is
 * verified before any login, a refused key rejects with the verifier's error, output over the
 * cap and commands past their timeout fail with the same RemoteError kinds.
 */
import type {
  ConnectOptions,
  ExecLimits,
  ExecResult,
  HostKey,
  RemoteRunner,
  RemoteSession,
  SshTarget,
} from '../../daemon/remote/ports.js';
import { RemoteError } from '../../daemon/remote/remote-error.js';
import { sshString } from '../../daemon/remote/ssh-key-format.js';

/** `hang` never answers (for timeouts); a function computes the answer from the command. */
export type FakeAnswer = ExecResult | 'hang' | ((command: string) => ExecResult | Promise<ExecResult>);

export interface FakeHost {
  hostKey: HostKey;
  /** username -> what logs it in: the private key text and/or a password. */
  logins: Record<string, { privateKey?: string; password?: string }>;
  /** First entry whose needle occurs in the command answers it; unmatched commands exit 127. */
  answers: Array<[needle: string, answer: FakeAnswer]>;
}

export const fakeHostKey = (seed: string, type = 'ssh-ed25519'): HostKey => ({
  type,
  blob: Buffer.concat([sshString(type), sshString(Buffer.from(seed.padEnd(32, '.').slice(0, 32)))]),
});

export const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', exitCode: 0 });

export class FakeRunner implements RemoteRunner {
  readonly hosts = new Map<string, FakeHost>();
  /** Every command run, with the host it ran on, in order. */
  readonly commands: Array<{ host: string; command: string }> = [];
  /** Every connection attempt's target, in order. */
  readonly connects: SshTarget[] = [];
  /** Sessions currently open (a leak shows up here). */
  open = 0;
  maxOpen = 0;

  add(host: string, port: number, fake: FakeHost): FakeHost {
    this.hosts.set(`${host}:${port}`, fake);
    return fake;
  }

  async connect(target: SshTarget, opts: ConnectOptions): Promise<RemoteSession> {
    await Promise.resolve();
    this.connects.push(target);
    if (opts.signal?.aborted) throw new RemoteError('aborted', 'collection cancelled');
    const who = `${target.username}@${target.host}:${target.port}`;
    const host = this.hosts.get(`${target.host}:${target.port}`);
    if (!host) throw new RemoteError('connect', `${who}: connection refused (is sshd running on that port?)`);
    if (target.hostKeyAlgorithms && !target.hostKeyAlgorithms.includes(host.hostKey.type)) {
      throw new RemoteError('connect', `${who}: no matching host key type found`);
    }
    await target.verifyHostKey(host.hostKey);
    const login = host.logins[target.username];
    const byKey = login?.privateKey !== undefined && login.privateKey === target.privateKey;
    const byPassword = login?.password !== undefined && login.password === target.password;
    if (!byKey && !byPassword) throw new RemoteError('auth', `${who}: login refused`);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    let closed = false;
    return {
      exec: (command, limits) => this.exec(host, who, command, limits),
      close: () => {
        if (!closed) this.open--;
        closed = true;
      },
    };
  }

  private async exec(host: FakeHost, who: string, command: string, limits: ExecLimits): Promise<ExecResult> {
    this.commands.push({ host: who, command });
    if (command.includes('run_()')) return this.execBundle(host, who, command, limits);
    return this.respond(host, who, command, limits);
  }

  private async respond(
    host: FakeHost,
    who: string,
    command: string,
    limits: ExecLimits,
  ): Promise<ExecResult> {
    const answer = host.answers.find(([needle]) => command.includes(needle))?.[1] ?? {
      stdout: '',
      stderr: 'sh: command not found',
      exitCode: 127,
    };
    if (answer === 'hang') {
      return new Promise((_, reject) => {
        const timer = setTimeout(
          () => reject(new RemoteError('timeout', `${who}: did not finish within ${limits.timeoutMs} ms`)),
          limits.timeoutMs,
        );
        limits.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new RemoteError('aborted', `${who}: collection cancelled`));
        });
      });
    }
    const result = typeof answer === 'function' ? await answer(command) : answer;
    return this.capped(result, who, limits);
  }

  private capped(result: ExecResult, who: string, limits: ExecLimits): ExecResult {
    if (Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr) > limits.maxOutputBytes) {
      throw new RemoteError(
        'output-limit',
        `${who}: printed more than ${limits.maxOutputBytes} bytes; stopped it`,
      );
    }
    return result;
  }

  /**
   * A script-bundle.ts bundle: answer each step from the table as if it ran alone, framed the
   * way the bundle's shell code frames it (the real framing runs through /bin/sh in the unit
   * tests of script-bundle.ts).
   */
  private async execBundle(
    host: FakeHost,
    who: string,
    command: string,
    limits: ExecLimits,
  ): Promise<ExecResult> {
    const unquote = (q: string) => q.slice(1, -1).replaceAll(`'\\''`, "'");
    const script = unquote(command.slice(command.indexOf("'")));
    const mark = /'(@@pd-[0-9a-f]+)'/.exec(script)?.[1];
    const steps = [...script.matchAll(/run_ ('(?:[^']|'\\'')*')/g)].map((m) => unquote(m[1]!));
    let stdout = '';
    for (const [i, step] of steps.entries()) {
      const r = await this.respond(host, who, step, { ...limits, maxOutputBytes: Number.MAX_SAFE_INTEGER });
      stdout += `${mark} begin ${i}\n${r.stdout}\n${mark} end ${i} ${r.exitCode ?? 137}\n${r.stderr}\n${mark} stderr ${i}\n`;
    }
    return this.capped({ stdout, stderr: '', exitCode: 0 }, who, limits);
  }
}
