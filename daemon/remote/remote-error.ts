/**
 * Why collecting one host failed, as a value the service records per host and the UI shows.
 * `kind` is stable (for filters and metrics); the message tells a technician what to do.
 */
import { DepotError, type ErrorCode } from '../errors.js';

export type RemoteFailure =
  | 'connect'
  | 'auth'
  | 'timeout'
  | 'output-limit'
  | 'host-key-changed'
  | 'command'
  | 'privilege'
  | 'unsupported'
  | 'aborted';

const codeFor: Record<RemoteFailure, ErrorCode> = {
  connect: 'UNAVAILABLE',
  auth: 'FORBIDDEN',
  timeout: 'UNAVAILABLE',
  'output-limit': 'UNAVAILABLE',
  'host-key-changed': 'CONFLICT',
  command: 'UNAVAILABLE',
  privilege: 'FORBIDDEN',
  unsupported: 'BAD_INPUT',
  aborted: 'UNAVAILABLE',
};

export class RemoteError extends DepotError {
  constructor(
    readonly kind: RemoteFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(codeFor[kind], message, options);
    this.name = 'RemoteError';
  }
}

/** `--host ADDR [--port N]` for `host:port` or `[v6]:port`, so the command can be pasted as it is. */
const cliTarget = (hostPort: string): string => {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(hostPort);
  if (!m) return `--host ${hostPort}`;
  return `--host ${m[1]}${m[2] === '22' ? '' : ` --port ${m[2]}`}`;
};

/** The host presented a key different from the pinned one: possibly a man in the middle. */
export class HostKeyChangedError extends RemoteError {
  constructor(
    readonly hostPort: string,
    readonly pinnedFingerprint: string,
    readonly presentedFingerprint: string,
  ) {
    super(
      'host-key-changed',
      `HOST KEY CHANGED for ${hostPort}: pinned ${pinnedFingerprint}, presented ${presentedFingerprint}. ` +
        'Someone may be intercepting the connection, or the host was reinstalled. Verify the new ' +
        "fingerprint on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then accept " +
        `it deliberately: "Accept new key" on the Inventory page, or \`patch-depot inventory ${cliTarget(hostPort)} ` +
        `--accept-host-key ${presentedFingerprint}\`. Nothing was sent to the host.`,
    );
    this.name = 'HostKeyChangedError';
  }
}

/** Whatever was thrown, as a RemoteError (unknown failures count as connection failures). */
export const asRemoteError = (err: unknown): RemoteError => {
  if (err instanceof RemoteError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RemoteError('connect', message, { cause: err });
};
