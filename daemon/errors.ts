/**
 * Domain errors: a typed class with a stable `code` that the web layer maps to an HTTP status and
 * a message a technician can act on. Wrap lower-level failures with `cause`.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'STORE_CORRUPT'
  | 'STORE_VERSION'
  | 'NOT_FOUND'
  | 'BAD_INPUT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CSRF'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'UNAVAILABLE';

export class DepotError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DepotError';
    this.code = code;
  }
}

/** An error from the OS (ENOENT, EACCES, EISDIR...), as Node raises it. */
export type SystemError = Error & { code: string; syscall?: string; path?: string };

export const isSystemError = (err: unknown): err is SystemError =>
  err instanceof Error &&
  typeof (err as SystemError).code === 'string' &&
  /^E[A-Z0-9]+$/.test((err as SystemError).code);

/**
 * What went wrong, for people: "no such file or directory" rather than
 * "ENOENT: no such file or directory, open '/x'" (the caller says which file).
 */
export const systemErrorReason = (err: SystemError): string => {
  if (err.code === 'EISDIR') return 'is a directory, not a file';
  if (err.code === 'EEXIST' && err.syscall === 'mkdir') return 'exists and is not a directory';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied (run as root?)';
  return err.message.replace(/^E[A-Z0-9]+: /, '').replace(/, \w+( '.*')?$/s, '');
};

/** Too many attempts; `retryAfter` seconds until the next one is allowed. */
export class RateLimitedError extends DepotError {
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super('RATE_LIMITED', message);
  }
}

export const httpStatusFor = (code: ErrorCode): 400 | 401 | 403 | 404 | 409 | 429 | 500 | 503 => {
  switch (code) {
    case 'BAD_INPUT':
    case 'CONFIG_INVALID':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
    case 'CSRF':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    case 'STORE_CORRUPT':
    case 'STORE_VERSION':
      return 500;
  }
};
