/**
 * The real SignatureVerifier: gpgv, the verify-only tool apt itself uses, against a keyring file
 * (e.g. /usr/share/keyrings/debian-archive-keyring.gpg). The machine-readable status lines decide;
 * human output is only used for the error message.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import type { SignatureVerifier } from './ports.js';

interface GpgvRun {
  code: number | null;
  stdout: Buffer;
  status: string;
  stderr: string;
}

const runGpgv = (args: string[]): Promise<GpgvRun> =>
  new Promise((resolve, reject) => {
    const child = spawn('gpgv', ['--status-fd', '3', ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const status: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => status.push(c));
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', (err) =>
      reject(
        new DepotError('UNAVAILABLE', `cannot run gpgv (apt-get install gpgv): ${err.message}`, {
          cause: err,
        }),
      ),
    );
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), status: Buffer.concat(status).toString(), stderr }),
    );
  });

const checkStatus = (run: GpgvRun, what: string): string => {
  const lines = run.status.split('\n');
  const valid = lines.find((l) => l.startsWith('[GNUPG:] VALIDSIG '));
  const bad = lines.some((l) => /^\[GNUPG:\] (BADSIG|ERRSIG|EXPSIG|EXPKEYSIG|REVKEYSIG|NO_PUBKEY) /.test(l));
  if (run.code !== 0 || !valid || bad) {
    const reason =
      run.stderr
        .split('\n')
        .filter((l) => l.includes('gpgv:'))
        .slice(-2)
        .join('; ') || 'no valid signature';
    throw new DepotError('BAD_INPUT', `${what}: signature check failed: ${reason}`);
  }
  return valid.split(' ')[2] ?? 'unknown';
};

export class GpgvVerifier implements SignatureVerifier {
  private async withFiles<T>(files: Record<string, Uint8Array>, fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'pd-gpgv-'));
    try {
      for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  verifyClearsigned(document: Uint8Array, keyring: string): Promise<{ text: string; signer: string }> {
    return this.withFiles({ InRelease: document }, async (dir) => {
      const run = await runGpgv(['--keyring', keyring, '--output', '-', join(dir, 'InRelease')]);
      const signer = checkStatus(run, 'InRelease');
      return { text: run.stdout.toString('utf8'), signer };
    });
  }
}
