/** How a download fails: a final upstream answer, or something retrying cannot fix. */
import { DepotError } from '../errors.js';

/** An upstream answer that is final (404, 403...): passed on to the client, never retried. */
export class UpstreamStatusError extends DepotError {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(
      status === 404 || status === 410 ? 'NOT_FOUND' : 'UNAVAILABLE',
      `upstream answered ${status} for ${url}`,
    );
  }
}

/** A failure retrying cannot fix (wrong bytes, disk full, quota, deadline). */
export class FatalError extends Error {}
