/**
 * The site's identity: a random site id and an Ed25519 key pair, made on the first start and kept
 * in one file (DATA_DIR/site-key.json, 0600, written atomically: a crash leaves the old file or the
 * new one, never half a key). Consoles pin the public key (Settings shows it with its fingerprint)
 * and verify summaries signed as compact JWS (RFC 7515, `alg: Ed25519` as RFC 9864 names
 * RFC 8037's EdDSA over Ed25519), so a relayed or stored summary still proves which site said it.
 * A damaged file stops the start instead of being replaced: a new key would break every pin.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CompactSign, calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';

export const SITE_KEY_FILE = 'site-key.json';
/** The JWS algorithm: Ed25519 (RFC 9864), RFC 8037's EdDSA with the curve fixed. */
export const SIGNING_ALG = 'Ed25519';
/** The JWS `typ` of a signed summary, so it cannot be mistaken for another signed document. */
export const SUMMARY_JWS_TYP = 'patch-depot-summary+jws';

const siteKeyFileSchema = z
  .object({
    version: z.literal(1),
    siteId: z.string().regex(/^site-[0-9a-f]{16}$/),
    createdAt: z.iso.datetime(),
    /** PKCS#8 DER, base64. */
    privateKey: z.base64(),
  })
  .strict();

export interface SitePublicKey {
  siteId: string;
  /** RFC 7638 JWK SHA-256 thumbprint: the `kid` of every signature and the fingerprint to pin. */
  kid: string;
  /** The public JWK (`kty: OKP`, `crv: Ed25519`, `x`), with `kid`, `alg` and `use`. */
  jwk: JWK;
  /** SubjectPublicKeyInfo PEM, for tools other than JOSE libraries. */
  pem: string;
  createdAt: string;
}

export class SiteKey {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicKey: SitePublicKey,
  ) {}

  /** Load the site key, or make and save it on the first start. */
  static async open(dataDir: string, log: Logger, clock: Clock = systemClock): Promise<SiteKey> {
    const file = join(dataDir, SITE_KEY_FILE);
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) return SiteKey.create(file, log, clock);
    if ((await stat(file)).mode & 0o077) {
      await chmod(file, 0o600);
      log.warn('the site key was readable by others; set to 0600', { file });
    }
    let record: z.infer<typeof siteKeyFileSchema>;
    let privateKey: KeyObject;
    try {
      record = siteKeyFileSchema.parse(JSON.parse(text));
      privateKey = createPrivateKey({
        key: Buffer.from(record.privateKey, 'base64'),
        format: 'der',
        type: 'pkcs8',
      });
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
    } catch (cause) {
      const why =
        cause instanceof z.ZodError
          ? cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : (cause as Error).message;
      throw new DepotError(
        'STORE_CORRUPT',
        `${file}: not a readable site key (${why.slice(0, 200)}). Restore it from a ` +
          'backup; or move it away to make a new one, and pin the new key in every console.',
        { cause },
      );
    }
    return new SiteKey(privateKey, await describe(record.siteId, record.createdAt, privateKey));
  }

  private static async create(file: string, log: Logger, clock: Clock): Promise<SiteKey> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const siteId = `site-${randomBytes(8).toString('hex')}`;
    const record = {
      version: 1 as const,
      siteId,
      createdAt: dateOf(clock).toISOString(),
      privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    };
    await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    const key = new SiteKey(privateKey, await describe(siteId, record.createdAt, privateKey));
    log.info('site key made', { siteId, kid: key.publicKey.kid, file });
    return key;
  }

  /** A compact JWS over exactly these bytes (Ed25519 is deterministic: same bytes, same JWS). */
  sign(payload: Uint8Array, typ = SUMMARY_JWS_TYP): Promise<string> {
    return new CompactSign(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.publicKey.kid, typ })
      .sign(this.privateKey);
  }
}

const describe = async (siteId: string, createdAt: string, privateKey: KeyObject): Promise<SitePublicKey> => {
  const pub = createPublicKey(privateKey);
  const base = await exportJWK(pub);
  const kid = await calculateJwkThumbprint(base, 'sha256');
  return {
    siteId,
    kid,
    jwk: { ...base, kid, alg: SIGNING_ALG, use: 'sig' },
    pem: pub.export({ format: 'pem', type: 'spki' }).toString(),
    createdAt,
  };
};
