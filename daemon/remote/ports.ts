/**
 * Remote access, the one piece of network I/O that inventory (and later deployment) needs:
 * running commands on a host over SSH. Callers only see these interfaces; ssh-runner.ts is the
 * real adapter (ssh2) and the unit tests use an in-memory fake (test/fakes/inventory-runner.ts).
 */

/** A host key as the server presented it during the key exchange. */
export interface HostKey {
  /** Key type from the blob, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  type: string;
  /** The SSH wire-format public key blob. */
  blob: Buffer;
}

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  /** OpenSSH-format private key of the appliance. */
  privateKey: string;
  /** Tried after the key when set (hosts without the appliance key installed yet). */
  password?: string | undefined;
  /**
   * Called with the server's host key before any credential is sent. Throwing refuses the
   * connection; `connect` then rejects with exactly that error.
   */
  verifyHostKey: (key: HostKey) => Promise<void>;
  /** Offer only these host key algorithms (the pinned key's type), so negotiation stays stable. */
  hostKeyAlgorithms?: string[] | undefined;
}

export interface ConnectOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface ExecLimits {
  timeoutMs: number;
  /** stdout + stderr beyond this many bytes aborts the command with an `output-limit` error. */
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the command died from a signal. */
  exitCode: number | null;
  /** The signal that killed the command (`SIGKILL`, `SIGSEGV`), when it died from one. */
  signal?: string;
}

export interface RemoteSession {
  exec(command: string, limits: ExecLimits): Promise<ExecResult>;
  close(): void;
}

export interface RemoteRunner {
  connect(target: SshTarget, opts: ConnectOptions): Promise<RemoteSession>;
}
