/**
 * Index decompression: gzip with node's zlib, xz with the `xz` tool (xz-utils is part of every
 * Debian system; Node has no xz decoder). Output is capped so a hostile index cannot exhaust memory.
 */
import { spawn } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { DepotError } from '../../errors.js';

export const gunzip = (data: Uint8Array, maxBytes: number): Uint8Array => {
  try {
    return gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (cause) {
    throw new DepotError('BAD_INPUT', `cannot gunzip: ${(cause as Error).message}`, { cause });
  }
};

export const unxz = (data: Uint8Array, maxBytes: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const child = spawn('xz', ['--decompress', '--stdout', '--single-stream'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failed: DepotError | undefined;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        failed ??= new DepotError('BAD_INPUT', `xz data expands beyond ${maxBytes} bytes`);
        child.kill();
        return;
      }
      out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdin.on('error', () => {
      // xz exits early on corrupt input; the close handler reports why.
    });
    child.on('error', (err) =>
      reject(
        new DepotError('UNAVAILABLE', `cannot run xz (apt-get install xz-utils): ${err.message}`, {
          cause: err,
        }),
      ),
    );
    child.on('close', (code) => {
      if (failed) return reject(failed);
      if (code !== 0)
        return reject(new DepotError('BAD_INPUT', `cannot unxz: ${stderr.trim() || `exit ${code}`}`));
      resolve(new Uint8Array(Buffer.concat(out)));
    });
    child.stdin.end(data);
  });
