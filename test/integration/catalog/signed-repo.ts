/**
 * A throw-away signed apt repository for tests: a fresh Ed25519 OpenPGP key in a temporary
 * GNUPGHOME, a Packages index (plain and gzip), a Release listing their SHA-256 and an InRelease
 * clear-signed by gpg. Tests then alter pieces to prove each check bites.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface SignedRepo {
  keyring: string;
  files: Map<string, Uint8Array>;
  /** Re-sign a Release text (for tests that need a validly signed but stale or odd Release). */
  sign(release: string): Promise<Uint8Array>;
  release(over?: { date?: string; validUntil?: string; packagesGz?: Uint8Array }): string;
}

export const PACKAGES = `Package: demo-tool
Source: demo (1.2-1)
Version: 1.2-1+b1
Architecture: amd64
Filename: pool/main/d/demo/demo-tool_1.2-1+b1_amd64.deb

Package: libdemo1
Source: demo
Version: 1.2-1
Architecture: amd64
Filename: pool/main/d/demo/libdemo1_1.2-1_amd64.deb
`;

export const makeSignedRepo = async (dir: string): Promise<SignedRepo> => {
  const home = join(dir, 'gnupg');
  await mkdir(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  await run(
    'gpg',
    [
      '--batch',
      '--passphrase',
      '',
      '--quick-gen-key',
      'Patch Depot test repo <repo@test.invalid>',
      'ed25519',
      'sign',
      'never',
    ],
    { env },
  );
  const keyring = join(dir, 'repo-keyring.gpg');
  await writeFile(keyring, (await run('gpg', ['--export'], { env, encoding: 'buffer' })).stdout);
  const plain = Buffer.from(PACKAGES);
  const gz = gzipSync(plain);
  const release = (over: { date?: string; validUntil?: string; packagesGz?: Uint8Array } = {}) => {
    const g = over.packagesGz ?? gz;
    return [
      'Origin: Example',
      'Label: Example Tools',
      'Suite: stable',
      'Codename: bookworm',
      `Date: ${over.date ?? 'Mon, 23 Nov 2026 00:00:00 UTC'}`,
      ...(over.validUntil ? [`Valid-Until: ${over.validUntil}`] : []),
      'Components: main',
      'Architectures: amd64',
      'SHA256:',
      ` ${sha(plain)} ${plain.length} main/binary-amd64/Packages`,
      ` ${sha(g)} ${g.length} main/binary-amd64/Packages.gz`,
      '',
    ].join('\n');
  };
  const sign = async (text: string) => {
    const src = join(dir, `Release-${Math.random().toString(16).slice(2)}`);
    await writeFile(src, text);
    await run('gpg', ['--batch', '--yes', '--clearsign', '-o', `${src}.asc`, src], { env });
    return readFile(`${src}.asc`);
  };
  const files = new Map<string, Uint8Array>([
    ['/repo/dists/bookworm/InRelease', await sign(release())],
    ['/repo/dists/bookworm/main/binary-amd64/Packages.gz', gz],
  ]);
  return { keyring, files, sign, release };
};
