/**
 * The appliance's own SSH key pair, made on first use: an Ed25519 key written in the OpenSSH
 * formats (private key file 0600, `.pub` beside it) so a technician can paste the public line into
 * a host's ~/.ssh/authorized_keys and inspect both files with ssh-keygen.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import {
  ed25519PrivateKeyFile,
  ed25519PublicBlob,
  fingerprintOf,
  publicBlobFromPrivateKeyFile,
  publicKeyLine,
} from './ssh-key-format.js';

export interface ApplianceKey {
  /** OpenSSH private key file contents; never leaves the appliance. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... patch-depot@host`, for authorized_keys. */
  publicKey: string;
  fingerprint: string;
}

export class ApplianceKeyStore {
  private loading: Promise<ApplianceKey> | undefined;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly comment = `patch-depot@${hostname()}`,
  ) {}

  get privateKeyPath(): string {
    return join(this.dir, 'id_ed25519');
  }

  /** The key pair, generated and saved the first time it is asked for. */
  get(): Promise<ApplianceKey> {
    // One generation even when many collections ask at once; a failure is retried next time.
    this.loading ??= this.loadOrCreate().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async loadOrCreate(): Promise<ApplianceKey> {
    let text: string | undefined;
    try {
      text = await readFile(this.privateKeyPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return text === undefined ? this.create() : this.load(text);
  }

  private async load(privateKey: string): Promise<ApplianceKey> {
    const mode = (await stat(this.privateKeyPath)).mode & 0o777;
    if (mode & 0o077) {
      // ssh itself refuses group/world-readable keys; tighten instead of failing the appliance.
      await chmod(this.privateKeyPath, 0o600);
      this.log.warn('appliance SSH key was readable by others; set to 0600', { file: this.privateKeyPath });
    }
    let blob: Buffer;
    try {
      blob = publicBlobFromPrivateKeyFile(privateKey);
    } catch (cause) {
      throw new DepotError(
        'STORE_CORRUPT',
        `${this.privateKeyPath}: ${(cause as Error).message}. Move the file away to make a new key ` +
          '(hosts then need the new public key).',
        { cause },
      );
    }
    const publicKey = publicKeyLine(blob, this.comment);
    // The .pub file is a convenience copy; restore it when a crash left only the private key.
    await readFile(`${this.privateKeyPath}.pub`, 'utf8').catch(() =>
      writeFileAtomic(`${this.privateKeyPath}.pub`, `${publicKey}\n`, { mode: 0o644 }),
    );
    return { privateKey, publicKey, fingerprint: fingerprintOf(blob) };
  }

  private async create(): Promise<ApplianceKey> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = publicKey.export({ format: 'jwk' });
    const priv = privateKey.export({ format: 'jwk' });
    if (!pub.x || !priv.d) throw new Error('node:crypto returned an Ed25519 JWK without x or d');
    const x = Buffer.from(pub.x, 'base64url');
    const d = Buffer.from(priv.d, 'base64url');
    const file = ed25519PrivateKeyFile(d, x, this.comment);
    const blob = ed25519PublicBlob(x);
    const line = publicKeyLine(blob, this.comment);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Private first: a crash before the .pub is written is repaired by load().
    await writeFileAtomic(this.privateKeyPath, file, { mode: 0o600 });
    await writeFileAtomic(`${this.privateKeyPath}.pub`, `${line}\n`, { mode: 0o644 });
    const fingerprint = fingerprintOf(blob);
    this.log.info('generated the appliance SSH key', { fingerprint });
    return { privateKey: file, publicKey: line, fingerprint };
  }
}
